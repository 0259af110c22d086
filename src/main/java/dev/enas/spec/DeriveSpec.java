package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * How the final child is chosen: sample children from the trained policy, score each on the same
 * validation minibatches with the shared weights, rank them and report the top k. Optionally the
 * best few are then screened: each is trained from scratch as the retraining network for a few
 * steps and scored on the whole validation split, and the best screened child is the derived one.
 * Shared-weight scores at small budgets rank children largely by noise and favour operations that
 * need little training; a short standalone training measures what the retraining will reward.
 *
 * @param samples children to draw from the policy (duplicates are scored once)
 * @param topK best candidates to report, at most {@code samples}
 * @param validationBatches validation minibatches (of {@code child.batchSize}) every candidate is
 *     scored on; the paper uses one
 * @param screenCandidates how many of the best-scored candidates to screen, at most {@code topK};
 *     0 turns screening off (the paper's derivation)
 * @param screenSteps minibatches each screened candidate trains for, at the retraining's width,
 *     batch size and learning rates, the rate annealed over those steps
 */
public record DeriveSpec(int samples, int topK, int validationBatches, int screenCandidates,
    int screenSteps) {

  /** The paper's derivation: one validation batch, no screening. */
  public DeriveSpec(int samples, int topK) {
    this(samples, topK, 1, 0, 0);
  }

  /** Whether the best candidates are screened by a short standalone training. */
  public boolean screens() {
    return screenCandidates > 0;
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    Checks.intRange(out, prefix + "samples", samples, 1, 100_000);
    Checks.intRange(out, prefix + "topK", topK, 1, 1000);
    if (topK > samples && samples >= 1) {
      out.add(new FieldViolation(
          prefix + "topK", "must not exceed samples (" + samples + "), was " + topK));
    }
    Checks.intRange(out, prefix + "validationBatches", validationBatches, 1, 1000);
    Checks.intRange(out, prefix + "screenCandidates", screenCandidates, 0, 100);
    if (screenCandidates > topK && topK >= 1) {
      out.add(new FieldViolation(prefix + "screenCandidates",
          "must not exceed topK (" + topK + "), was " + screenCandidates));
    }
    if (screenCandidates > 0) {
      Checks.intRange(out, prefix + "screenSteps", screenSteps, 1, 1_000_000);
    } else {
      Checks.intRange(out, prefix + "screenSteps", screenSteps, 0, 1_000_000);
    }
    return out;
  }
}
