package dev.enas.spec;

import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.RnnSpace;
import dev.enas.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * Which search space to explore and its size.
 *
 * @param kind "macro", "micro" or "rnn" (the recurrent cell of a language model)
 * @param layers macro: layers of the searched network (paper: 12)
 * @param nodes micro: nodes per cell (paper: 5); rnn: nodes of the recurrent cell (paper: 12)
 */
public record SpaceSpec(String kind, int layers, int nodes) {

  public static SpaceSpec macro(int layers) {
    return new SpaceSpec("macro", layers, 5);
  }

  public static SpaceSpec micro(int nodes) {
    return new SpaceSpec("micro", 12, nodes);
  }

  public static SpaceSpec rnn(int nodes) {
    return new SpaceSpec("rnn", 12, nodes);
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    switch (kind == null ? "" : kind) {
      case "macro" -> Checks.intRange(out, prefix + "layers", layers, 1, MacroSpace.MAX_LAYERS);
      case "micro" -> Checks.intRange(out, prefix + "nodes", nodes, 1, MicroSpace.MAX_NODES);
      case "rnn" -> Checks.intRange(out, prefix + "nodes", nodes, 1, RnnSpace.MAX_NODES);
      default ->
          out.add(
              new FieldViolation(
                  prefix + "kind", "must be 'macro', 'micro' or 'rnn', was '" + kind + "'"));
    }
    return out;
  }

  /** The space itself; call on a valid spec. */
  public SearchSpace toSearchSpace() {
    SpecException.throwIfAny(violations("space."));
    return switch (kind) {
      case "macro" -> new MacroSpace(layers);
      case "micro" -> new MicroSpace(nodes);
      default -> new RnnSpace(nodes);
    };
  }
}
