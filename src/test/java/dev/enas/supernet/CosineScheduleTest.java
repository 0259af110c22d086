package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The ENAS schedule (0.05 to 0.0005, T0 10, Tmul 2): periods [0, 10) and [10, 30). */
class CosineScheduleTest {
  private final CosineSchedule schedule = CosineSchedule.enasDefaults();

  @Test
  void firstPeriod() {
    assertThat(schedule.at(0)).isCloseTo(0.05, within(1e-12));
    assertThat(schedule.at(5)).isCloseTo(0.02525, within(1e-12));
    assertThat(schedule.at(9.999999)).isCloseTo(0.0005, within(1e-9));
    // A quarter in: min + (max - min) (1 + cos(pi/4)) / 2.
    assertThat(schedule.at(2.5))
        .isCloseTo(0.0005 + 0.0495 * (1 + Math.sqrt(0.5)) / 2, within(1e-12));
  }

  @Test
  void secondPeriodIsTwiceAsLong() {
    assertThat(schedule.at(10)).isCloseTo(0.05, within(1e-12));
    assertThat(schedule.at(20)).isCloseTo(0.02525, within(1e-12));
    assertThat(schedule.at(29.999999)).isCloseTo(0.0005, within(1e-9));
    assertThat(schedule.at(30)).isCloseTo(0.05, within(1e-12));
  }

  @Test
  void rejectsNegativeEpochs() {
    assertThatThrownBy(() -> schedule.at(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
