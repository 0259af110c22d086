package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Retraining the derived child from scratch as a standalone network.
 *
 * @param network depth (micro) and width of the standalone network, set apart from the search's
 * @param training optimiser and schedule
 * @param cutout side of the cutout square in pixels; 0 turns cutout off
 * @param plainBaseline also retrain the plain child of the space ({@code SearchSpace.plain()}) at
 *     the same width, depth and budget, and report its result beside the derived child's: what a
 *     user would get without searching
 */
public record RetrainSpec(
    ChildSpec network, TrainingSpec training, int cutout, boolean plainBaseline) {

  /** Without the plain baseline. */
  public RetrainSpec(ChildSpec network, TrainingSpec training, int cutout) {
    this(network, training, cutout, false);
  }

  /** The same retraining with the plain baseline turned on or off. */
  public RetrainSpec withPlainBaseline(boolean on) {
    return new RetrainSpec(network, training, cutout, on);
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    out.addAll(network.violations(prefix + "network."));
    out.addAll(training.violations(prefix + "training."));
    Checks.intRange(out, prefix + "cutout", cutout, 0, 1024);
    return out;
  }
}
