package dev.enas.supernet;

import dev.enas.space.Architecture;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroArchitecture;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.List;

/**
 * The layers of a network for one search space, holding either every candidate (the supernet) or
 * one architecture's (a standalone network). Both run the same code, so a child computes the same
 * function in either.
 */
interface Body {

  /** Logits (N, classes) of the given architecture for the image batch (N, C, H, W). */
  <T> T forward(Ops<T> ops, T image, Architecture architecture);

  /** The steps the given architecture runs through this body's modules, in execution order. */
  List<LayerDescriptor> describe(Architecture architecture);

  /**
   * Builds the body for a space, holding every candidate when {@code child} is null and only the
   * child's otherwise.
   */
  static Body build(ParamStore store, NetworkSpec spec, SearchSpace space, Architecture child) {
    if (child != null && !child.space().equals(space)) {
      throw new IllegalArgumentException(
          "architecture " + child + " is not of the space " + space.describe());
    }
    if (space instanceof MacroSpace macro) {
      return new MacroBody(store, spec, macro, (MacroArchitecture) child);
    }
    if (space instanceof MicroSpace micro) {
      return new MicroBody(store, spec, micro, (MicroArchitecture) child);
    }
    throw new IllegalArgumentException(
        "no convolutional network for the space " + space.describe());
  }
}
