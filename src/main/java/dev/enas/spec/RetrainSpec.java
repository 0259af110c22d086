package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Retraining the derived child from scratch as a standalone network.
 *
 * @param network depth (micro) and width of the standalone network, set apart from the search's
 * @param training optimiser and schedule
 * @param cutout side of the cutout square in pixels; 0 turns cutout off
 * @param auxiliaryWeight micro: weight of the auxiliary head's loss; 0 turns the head off
 * @param dropPath micro: drop-path probability at the last cell, scaled down linearly before it
 */
public record RetrainSpec(
    ChildSpec network, TrainingSpec training, int cutout, double auxiliaryWeight, double dropPath) {

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    out.addAll(network.violations(prefix + "network."));
    out.addAll(training.violations(prefix + "training."));
    Checks.intRange(out, prefix + "cutout", cutout, 0, 1024);
    Checks.range(out, prefix + "auxiliaryWeight", auxiliaryWeight, 0, 10, true);
    Checks.range(out, prefix + "dropPath", dropPath, 0, 1, false);
    return out;
  }
}
