package dev.enas.controller;

import dev.enas.spec.ControllerSpec;
import dev.enas.space.SearchSpace;

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

  /** A controller that continues exactly from a snapshot. */
  public static Controller restore(SearchSpace space, ControllerSpec spec, ControllerState state) {
    return switch (state.kind()) {
      case "enas" -> LstmController.restore(space, spec, state);
      case "random" -> RandomController.restore(space, spec, state);
      default -> throw new IllegalArgumentException("unknown controller kind " + state.kind());
    };
  }
}
