package dev.enas.train;

import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.CosineSchedule;

/** The cosine-with-warm-restarts schedule a training spec describes. */
final class Schedules {
  private Schedules() {}

  static CosineSchedule of(TrainingSpec training) {
    return new CosineSchedule(
        training.learningRateMax(),
        training.learningRateMin(),
        training.restartPeriod(),
        training.restartMultiplier());
  }
}
