package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.SearchSpace;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The step profile counts only while enabled, every phase of every step, and starts over. */
class StepProfileTest {
  @AfterEach
  void off() {
    StepProfile.enable(false);
  }

  @Test
  void aProfiledStepSumsEveryPhaseAndNothingElseCounts() {
    SearchSpace space = new MacroSpace(6);
    Random random = new Random(5);
    try (Supernet net =
        Supernet.create(space, NoDriftTest.macroSpec(), SgdSettings.macroDefaults(), 1)) {
      Architecture child = Fixtures.randomArchitecture(space, random);
      float[] images = Fixtures.images(net.spec(), 4, random);
      int[] labels = Fixtures.labels(net.spec(), 4, random);

      StepProfile.enable(false);
      net.trainStep(child, images, labels, 0.01);
      StepProfile.enable(true);
      assertThat(StepProfile.meanMillis()).as("nothing counted before a profiled step").isEmpty();

      net.trainStep(child, images, labels, 0.01);
      net.trainStep(child, images, labels, 0.01);
      Map<StepProfile.Phase, Double> phases = StepProfile.meanMillis();
      assertThat(phases.keySet()).containsExactly(StepProfile.Phase.values());
      assertThat(phases.values()).allSatisfy(ms -> assertThat(ms).isNotNegative());
      assertThat(phases.get(StepProfile.Phase.FORWARD)).isPositive();
      assertThat(phases.get(StepProfile.Phase.BACKWARD)).isPositive();

      StepProfile.enable(false);
      net.trainStep(child, images, labels, 0.01);
      assertThat(StepProfile.meanMillis()).isEqualTo(phases);
      StepProfile.reset();
      assertThat(StepProfile.meanMillis()).isEmpty();
    }
  }
}
