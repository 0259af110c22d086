package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a search checks the ranking it relies on (Sciuto et al. 2019): after derivation, {@code
 * architectures} of the distinct children the trained policy drew are each trained alone from
 * scratch for {@code steps} minibatches (the retraining network, as screening trains it) and scored
 * on the whole validation split; the search reports Kendall's tau between their shared-weight
 * rewards and those standalone figures, with its p-value. Off by default: it costs {@code
 * architectures} short trainings.
 *
 * @param architectures how many children to train alone: 0 turns the check off, else 3 to {@value
 *     #MAX_ARCHITECTURES} (a rank correlation needs three pairs)
 * @param steps minibatches each of them trains for: 1 to {@value #MAX_STEPS} when on, 0 when off
 */
public record RankCheckSpec(int architectures, int steps) {
  /** No rank check. */
  public static final RankCheckSpec OFF = new RankCheckSpec(0, 0);

  /** The steps an unset {@code steps} means when the check is on. */
  public static final int DEFAULT_STEPS = 100;

  static final int MAX_ARCHITECTURES = 1000;
  static final int MAX_STEPS = 1_000_000;

  /** Whether the check runs. */
  public boolean on() {
    return architectures > 0;
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    if (architectures != 0 && (architectures < 3 || architectures > MAX_ARCHITECTURES)) {
      out.add(
          new FieldViolation(
              prefix + "architectures",
              "must be 0 (no rank check) or in 3.."
                  + MAX_ARCHITECTURES
                  + ", was "
                  + architectures));
    }
    if (on()) {
      Checks.intRange(out, prefix + "steps", steps, 1, MAX_STEPS);
    } else if (steps != 0) {
      out.add(
          new FieldViolation(
              prefix + "steps", "must be 0 when architectures is 0 (no rank check), was " + steps));
    }
    return out;
  }
}
