package dev.enas.controller;

import dev.enas.space.SearchSpace;
import dev.enas.spec.ControllerSpec;

/** Creates and restores controllers by the kind named in their spec. */
public final class Controllers {
  private Controllers() {}

  /** A fresh controller of {@code spec.kind()} for the space, seeded for determinism. */
  public static Controller create(SearchSpace space, ControllerSpec spec, long seed) {
    return switch (spec.validate().kind()) {
      case "enas" -> new LstmController(space, spec, seed);
      case "random" -> new RandomController(space, spec, seed);
      default -> throw new IllegalArgumentException("unknown controller kind " + spec.kind());
    };
  }

  /**
   * The uniform sampler of a search's warm-up epochs ({@code controller.warmupEpochs}): a random
   * controller on a stream of its own, so the learning controller's draws are the same with or
   * without warm-up.
   */
  public static Controller warmup(SearchSpace space, ControllerSpec spec, long seed) {
    return new RandomController(space, spec.withKind("random"), seed ^ WARMUP_STREAM);
  }

  /** Separates the warm-up sampler's stream from the controller's ("WARMUP" in ASCII). */
  private static final long WARMUP_STREAM = 0x5741524D5550L;

  /** A controller that continues exactly from a snapshot. */
  public static Controller restore(SearchSpace space, ControllerSpec spec, ControllerState state) {
    return switch (state.kind()) {
      case "enas" -> LstmController.restore(space, spec, state);
      case "random" -> RandomController.restore(space, spec, state);
      default -> throw new IllegalArgumentException("unknown controller kind " + state.kind());
    };
  }
}
