package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.StepResult;
import org.junit.jupiter.api.Test;

/** Retraining gives up after maxNonFiniteSteps skipped steps in a row, and only then. */
class NonFiniteStreakTest {
  private static final StepResult APPLIED = new StepResult(1.5, 0.5, 2.0, true, 10);
  private static final StepResult SKIPPED = new StepResult(Double.NaN, 0, Double.NaN, false, 0);

  private static NonFiniteStreak streak(int limit) {
    return new NonFiniteStreak(new TrainingSpec(1, 10, 0.05, 0.001, 1, 2, 0.9, 1e-4, 5.0, limit));
  }

  @Test
  void anAppliedStepEndsTheStreak() {
    NonFiniteStreak streak = streak(3);
    assertThatCode(
            () -> {
              for (int round = 0; round < 5; round++) {
                streak.record(SKIPPED);
                streak.record(SKIPPED);
                streak.record(APPLIED);
              }
            })
        .doesNotThrowAnyException();
  }

  @Test
  void theLimitInARowFailsNamingTheSetting() {
    NonFiniteStreak streak = streak(3);
    streak.record(SKIPPED);
    streak.record(SKIPPED);

    assertThatThrownBy(() -> streak.record(SKIPPED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("3 retraining steps in a row had a NaN or infinite loss")
        .hasMessageContaining("retrain.training.maxNonFiniteSteps is 3")
        .hasMessageContaining("lower retrain.training.learningRateMax");
  }
}
