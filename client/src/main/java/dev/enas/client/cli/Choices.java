package dev.enas.client.cli;

import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.ControllerKind;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchState;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * The closed sets of values options accept, in the short lower-case words people type, matched
 * case-insensitively; help and error messages list them the same way.
 */
final class Choices {
  private Choices() {}

  /**
   * Converts a word to one of an enum's constants. picocli's own enum conversion would list the
   * constants' upper-case names in its error, which are not what the help shows.
   */
  abstract static class Converter<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
    private final Class<E> type;

    Converter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      for (E constant : type.getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(value.trim())) {
          return constant;
        }
      }
      throw new CommandLine.TypeConversionException(
          "expected one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(Object::toString)
                  .collect(Collectors.joining(", "))
              + " but was '"
              + value
              + "'");
    }
  }

  static final class SpaceConverter extends Converter<Space> {
    SpaceConverter() {
      super(Space.class);
    }
  }

  static final class ControllerConverter extends Converter<Controller> {
    ControllerConverter() {
      super(Controller.class);
    }
  }

  static final class PresetConverter extends Converter<Preset> {
    PresetConverter() {
      super(Preset.class);
    }
  }

  static final class StateConverter extends Converter<State> {
    StateConverter() {
      super(State.class);
    }
  }

  static final class OrderConverter extends Converter<Order> {
    OrderConverter() {
      super(Order.class);
    }
  }

  /** Values of {@code --space}. */
  enum Space {
    MACRO(SearchSpace.SEARCH_SPACE_MACRO),
    MICRO(SearchSpace.SEARCH_SPACE_MICRO),
    RNN(SearchSpace.SEARCH_SPACE_RNN);

    final SearchSpace proto;

    Space(SearchSpace proto) {
      this.proto = proto;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Values of {@code --controller}. */
  enum Controller {
    ENAS(ControllerKind.CONTROLLER_KIND_ENAS),
    RANDOM(ControllerKind.CONTROLLER_KIND_RANDOM);

    final ControllerKind proto;

    Controller(ControllerKind proto) {
      this.proto = proto;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Values of {@code --preset}; see {@link StartCommand} for what each sets. */
  enum Preset {
    DEMO,
    SMOKE,
    PAPER;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Values of {@code --state}. */
  enum State {
    PENDING(SearchState.SEARCH_STATE_PENDING),
    RUNNING(SearchState.SEARCH_STATE_RUNNING),
    SUCCEEDED(SearchState.SEARCH_STATE_SUCCEEDED),
    FAILED(SearchState.SEARCH_STATE_FAILED),
    CANCELLED(SearchState.SEARCH_STATE_CANCELLED);

    final SearchState proto;

    State(SearchState proto) {
      this.proto = proto;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Values of {@code --order}. */
  enum Order {
    REWARD(ArchitectureOrder.ARCHITECTURE_ORDER_REWARD),
    SAMPLED(ArchitectureOrder.ARCHITECTURE_ORDER_SAMPLED);

    final ArchitectureOrder proto;

    Order(ArchitectureOrder proto) {
      this.proto = proto;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
