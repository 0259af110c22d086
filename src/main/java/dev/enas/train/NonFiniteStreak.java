package dev.enas.train;

import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.StepResult;

/**
 * The retraining's count of steps in a row whose loss was NaN or infinite (their updates skipped),
 * and the point where it gives up: {@code retrain.training.maxNonFiniteSteps}.
 */
final class NonFiniteStreak {
  private final TrainingSpec training;
  private int inARow;

  NonFiniteStreak(TrainingSpec training) {
    this.training = training;
  }

  /**
   * Counts a step: an applied one ends the streak.
   *
   * @throws IllegalStateException once {@code maxNonFiniteSteps} steps in a row were skipped
   */
  /** Steps in a row skipped so far. */
  int inARow() {
    return inARow;
  }

  /** Continues a streak of {@code skipped} steps, as a restored retraining does. */
  void restore(int skipped) {
    inARow = skipped;
  }

  void record(StepResult result) {
    if (result.applied()) {
      inARow = 0;
    } else if (++inARow >= training.maxNonFiniteSteps()) {
      throw new IllegalStateException(
          inARow
              + " retraining steps in a row had a NaN or infinite loss (retrain.training."
              + "maxNonFiniteSteps is "
              + training.maxNonFiniteSteps()
              + "); lower retrain.training.learningRateMax or retrain.training.gradientClip");
    }
  }
}
