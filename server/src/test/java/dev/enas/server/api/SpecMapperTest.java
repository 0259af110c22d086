package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.enas.proto.v1.ControllerKind;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.server.api.SearchBackendException.InvalidSpec;
import dev.enas.spec.FieldViolation;
import dev.enas.spec.SearchSpec;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecMapperTest {

  /** Core record type to the wire message that mirrors it. */
  private static final Map<Class<?>, Descriptor> MIRRORS = Map.ofEntries(
      Map.entry(dev.enas.spec.SearchSpec.class, dev.enas.proto.v1.SearchSpec.getDescriptor()),
      Map.entry(dev.enas.spec.SpaceSpec.class, dev.enas.proto.v1.SpaceSpec.getDescriptor()),
      Map.entry(dev.enas.spec.DataSpec.class, dev.enas.proto.v1.DataSpec.getDescriptor()),
      Map.entry(dev.enas.spec.ChildSpec.class, dev.enas.proto.v1.ChildSpec.getDescriptor()),
      Map.entry(dev.enas.spec.TrainingSpec.class, dev.enas.proto.v1.TrainingSpec.getDescriptor()),
      Map.entry(dev.enas.spec.ControllerSpec.class,
          dev.enas.proto.v1.ControllerSpec.getDescriptor()),
      Map.entry(dev.enas.spec.DeriveSpec.class, dev.enas.proto.v1.DeriveSpec.getDescriptor()),
      Map.entry(dev.enas.spec.RetrainSpec.class, dev.enas.proto.v1.RetrainSpec.getDescriptor()),
      Map.entry(dev.enas.spec.LanguageModelSpec.class,
          dev.enas.proto.v1.LanguageModelSpec.getDescriptor()));

  @Test
  void theWireSpecMirrorsEveryComponentOfTheCoreSpec() {
    assertThat(MIRRORS.keySet()).containsExactlyInAnyOrderElementsOf(SpecMapper.specRecords());
    for (Map.Entry<Class<?>, Descriptor> mirror : MIRRORS.entrySet()) {
      List<String> core = Arrays.stream(mirror.getKey().getRecordComponents())
          .map(RecordComponent::getName).map(SpecMapper::snake).toList();
      List<String> wire = mirror.getValue().getFields().stream()
          .map(FieldDescriptor::getName).toList();
      assertThat(wire).as("fields of %s", mirror.getValue().getFullName())
          .containsExactlyInAnyOrderElementsOf(core);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"macro", "micro", "rnn"})
  void onlyTheSpaceGivesThePapersDefaults(String kind) {
    dev.enas.proto.v1.SearchSpec wire = dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder().setKind(switch (kind) {
          case "macro" -> SearchSpace.SEARCH_SPACE_MACRO;
          case "micro" -> SearchSpace.SEARCH_SPACE_MICRO;
          default -> SearchSpace.SEARCH_SPACE_RNN;
        }))
        .build();

    assertThat(SpecMapper.toCore(wire)).isEqualTo(SearchSpec.defaults(kind));
  }

  @Test
  void aResolvedSpecSetsEveryFieldAndReadsBackAsItself() {
    SearchSpec d = SearchSpec.demo();
    SearchSpec random = new SearchSpec(d.space(), d.data(), d.child(), d.shared(),
        d.controller().withKind("random"), d.derive(), d.retrain(), -42);
    for (SearchSpec spec : List.of(
        SearchSpec.defaults("macro"), SearchSpec.defaults("micro"), SearchSpec.defaults("rnn"),
        SearchSpec.rnnDemo(), SearchSpec.smoke("rnn", 3), d, random)) {
      dev.enas.proto.v1.SearchSpec wire = SpecMapper.toWire(spec);
      assertThat(unsetFields(wire, "spec")).isEmpty();
      assertThat(SpecMapper.toCore(wire)).isEqualTo(spec);
    }
  }

  @Test
  void setFieldsOverrideAndZeroIsNotUnset() {
    dev.enas.proto.v1.SearchSpec wire = dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder()
            .setKind(SearchSpace.SEARCH_SPACE_MICRO).setNodes(3))
        .setController(dev.enas.proto.v1.ControllerSpec.newBuilder()
            .setKind(ControllerKind.CONTROLLER_KIND_RANDOM).setLearningRate(0.01))
        .setRetrain(dev.enas.proto.v1.RetrainSpec.newBuilder()
            .setTraining(dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(7))
            .setCutout(0))
        .setSeed(0)
        .build();

    SearchSpec spec = SpecMapper.toCore(wire);
    SearchSpec defaults = SearchSpec.defaults("micro");
    assertThat(spec.space().nodes()).isEqualTo(3);
    assertThat(spec.controller().kind()).isEqualTo("random");
    assertThat(spec.controller().learningRate()).isEqualTo(0.01);
    assertThat(spec.controller().hiddenSize()).isEqualTo(defaults.controller().hiddenSize());
    assertThat(spec.retrain().training().epochs()).isEqualTo(7);
    assertThat(spec.retrain().training().momentum())
        .isEqualTo(defaults.retrain().training().momentum());
    assertThat(spec.retrain().cutout()).isZero();
    assertThat(defaults.retrain().cutout()).isNotZero();
    assertThat(spec.seed()).isZero();
  }

  @Test
  void violationsAreRenamedToRequestPathsIncludingNamesInTheirText() {
    dev.enas.proto.v1.SearchSpec wire = dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MACRO))
        .setShared(dev.enas.proto.v1.TrainingSpec.newBuilder()
            .setLearningRateMax(0.001).setLearningRateMin(0.01))
        .build();

    assertThatThrownBy(() -> SpecMapper.toCore(wire))
        .isInstanceOfSatisfying(InvalidSpec.class, e -> {
          List<FieldViolation> renamed =
              e.violations().stream().map(SpecMapper::toRequest).toList();
          assertThat(renamed).extracting(FieldViolation::field)
              .containsExactly("spec.shared.learning_rate_min");
          assertThat(renamed.get(0).description())
              .contains("learning_rate_max").doesNotContain("learningRateMax");
        });
    assertThat(SpecMapper.requestPath("retrain.training.maxNonFiniteSteps"))
        .isEqualTo("spec.retrain.training.max_non_finite_steps");
    assertThat(SpecMapper.requestPath("controller.adamBeta2"))
        .isEqualTo("spec.controller.adam_beta2");
  }

  @Test
  void theSpaceDecidesEverythingSoAMissingOrUnknownOneStopsAtOnce() {
    for (int kind : new int[] {0, 42}) {
      dev.enas.proto.v1.SearchSpec wire = dev.enas.proto.v1.SearchSpec.newBuilder()
          .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder().setKindValue(kind))
          .setDerive(dev.enas.proto.v1.DeriveSpec.newBuilder().setSamples(-1))
          .build();
      assertThatThrownBy(() -> SpecMapper.toCore(wire))
          .isInstanceOfSatisfying(InvalidSpec.class, e ->
              assertThat(e.violations()).extracting(FieldViolation::field)
                  .containsExactly("space.kind"));
    }
  }

  /** Paths of every optional scalar or message field left unset, recursively. */
  private static List<String> unsetFields(Message message, String path) {
    List<String> unset = new ArrayList<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      String fieldPath = path + "." + field.getName();
      if (field.hasPresence() && !message.hasField(field)) {
        unset.add(fieldPath);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        unset.addAll(unsetFields((Message) message.getField(field), fieldPath));
      }
    }
    return unset;
  }
}
