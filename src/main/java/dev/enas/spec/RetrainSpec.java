package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Retraining the derived child from scratch as a standalone network.
 *
 * @param network depth (micro) and width of the standalone network, set apart from the search's
 * @param training optimiser and schedule
 * @param cutout side of the cutout square in pixels; 0 turns cutout off
 */
public record RetrainSpec(ChildSpec network, TrainingSpec training, int cutout) {

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    out.addAll(network.violations(prefix + "network."));
    out.addAll(training.violations(prefix + "training."));
    Checks.intRange(out, prefix + "cutout", cutout, 0, 1024);
    return out;
  }
}
