package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * How the final child is chosen: sample children from the trained policy, score each on the same
 * validation minibatches with the shared weights, rank them and report the top k. The derived child
 * is the best-scored one (the paper's {@value #BEST_REWARD}) or the policy's most probable child
 * ({@value #MOST_PROBABLE}), which is then ranked first with its own score. Optionally the best few
 * are then screened: each is trained from scratch as the retraining network for a few steps and
 * scored on the whole validation split, and the best screened child is the derived one.
 *
 * <p>Shared-weight scores at small budgets rank children largely by noise and favour what needs
 * little training: skip connections that bypass undertrained layers, operations without weights.
 * The best of a few dozen one-batch scores is mostly the luckiest. The policy's mode pools every
 * reward the controller has learned from, and on the embedded Fashion-MNIST it is the child that
 * retrains best (see bench/README.md, search-vs-plain).
 *
 * @param samples children to draw from the policy (duplicates are scored once)
 * @param topK best candidates to report, at most {@code samples}
 * @param validationBatches validation minibatches (of {@code child.batchSize}) every candidate is
 *     scored on; the paper uses one
 * @param screenCandidates how many of the best-scored candidates to screen, at most {@code topK}; 0
 *     turns screening off (the paper's derivation)
 * @param screenSteps minibatches each screened candidate trains for, at the retraining's width,
 *     batch size and learning rates, the rate annealed over those steps
 * @param selection which child is derived: {@value #BEST_REWARD} or {@value #MOST_PROBABLE}
 * @param rankCheck whether, and how, the search checks that its shared-weight rewards rank children
 *     as training them alone does; {@link RankCheckSpec#OFF} (also for null) by default
 */
public record DeriveSpec(
    int samples,
    int topK,
    int validationBatches,
    int screenCandidates,
    int screenSteps,
    String selection,
    RankCheckSpec rankCheck) {
  /** The paper's selection: the sampled child with the best shared-weight score. */
  public static final String BEST_REWARD = "best-reward";

  /** The policy's most probable child, decoded greedily. */
  public static final String MOST_PROBABLE = "most-probable";

  /** The accepted values of {@code selection}. */
  public static final List<String> SELECTIONS = List.of(BEST_REWARD, MOST_PROBABLE);

  public DeriveSpec {
    // A spec journaled before the rank check existed has none.
    rankCheck = rankCheck == null ? RankCheckSpec.OFF : rankCheck;
  }

  /** A derivation without a rank check. */
  public DeriveSpec(
      int samples,
      int topK,
      int validationBatches,
      int screenCandidates,
      int screenSteps,
      String selection) {
    this(
        samples,
        topK,
        validationBatches,
        screenCandidates,
        screenSteps,
        selection,
        RankCheckSpec.OFF);
  }

  /** The paper's derivation: one validation batch, no screening, the best-scored child. */
  public DeriveSpec(int samples, int topK) {
    this(samples, topK, 1, 0, 0, BEST_REWARD);
  }

  /** A derivation that keeps the best-scored child (or the best screened one). */
  public DeriveSpec(
      int samples, int topK, int validationBatches, int screenCandidates, int screenSteps) {
    this(samples, topK, validationBatches, screenCandidates, screenSteps, BEST_REWARD);
  }

  /** Whether the derived child is the policy's most probable one. */
  public boolean mostProbable() {
    return MOST_PROBABLE.equals(selection);
  }

  /** This derivation with another selection. */
  public DeriveSpec withSelection(String selection) {
    return new DeriveSpec(
        samples, topK, validationBatches, screenCandidates, screenSteps, selection, rankCheck);
  }

  /** This derivation with another rank check. */
  public DeriveSpec withRankCheck(RankCheckSpec rankCheck) {
    return new DeriveSpec(
        samples, topK, validationBatches, screenCandidates, screenSteps, selection, rankCheck);
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
      out.add(
          new FieldViolation(
              prefix + "topK", "must not exceed samples (" + samples + "), was " + topK));
    }
    Checks.intRange(out, prefix + "validationBatches", validationBatches, 1, 1000);
    Checks.intRange(out, prefix + "screenCandidates", screenCandidates, 0, 100);
    if (screenCandidates > topK && topK >= 1) {
      out.add(
          new FieldViolation(
              prefix + "screenCandidates",
              "must not exceed topK (" + topK + "), was " + screenCandidates));
    }
    if (screenCandidates > 0) {
      Checks.intRange(out, prefix + "screenSteps", screenSteps, 1, 1_000_000);
    } else {
      Checks.intRange(out, prefix + "screenSteps", screenSteps, 0, 1_000_000);
    }
    if (!SELECTIONS.contains(selection)) {
      out.add(
          new FieldViolation(
              prefix + "selection",
              "must be one of "
                  + String.join(", ", SELECTIONS)
                  + ", was "
                  + (selection == null ? "null" : "'" + selection + "'")));
    }
    out.addAll(rankCheck.violations(prefix + "rankCheck."));
    if (rankCheck.architectures() > samples && samples >= 1) {
      out.add(
          new FieldViolation(
              prefix + "rankCheck.architectures",
              "must not exceed samples ("
                  + samples
                  + "): the rank check trains children the derivation drew, was "
                  + rankCheck.architectures()));
    }
    return out;
  }
}
