package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * How the final child is chosen: sample children from the trained policy, score all of them on
 * the same validation batch, keep the best and report the top k.
 */
public record DeriveSpec(int samples, int topK) {

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    Checks.intRange(out, prefix + "samples", samples, 1, 100_000);
    Checks.intRange(out, prefix + "topK", topK, 1, 1000);
    if (topK > samples && samples >= 1) {
      out.add(new FieldViolation(
          prefix + "topK", "must not exceed samples (" + samples + "), was " + topK));
    }
    return out;
  }
}
