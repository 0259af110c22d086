package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A derived child retrains at its own depth, width and resolution, and infers without changes. */
class StandaloneNetworkTest {

  @Test
  void macroChildRetrainsWiderAtAnOddResolution() {
    NetworkSpec spec = new NetworkSpec(6, 8, 3, 1, 7, 7, 0.2f, true);
    StandaloneNetwork net = retrain(new MacroSpace(6), spec, 61);
    try (net) {
      // Widening doubles the head's input twice: 8 -> 16 -> 32 channels.
      assertThat(net.parameterShapes().get("head.weight")).containsExactly(3, 32);
    }
  }

  @Test
  void microChildRetrainsDeeperAndWider() {
    NetworkSpec spec = new NetworkSpec(2, 6, 3, 3, 7, 7, 0f, true);
    StandaloneNetwork net = retrain(new MicroSpace(3), spec, 62);
    try (net) {
      assertThat(net.layers()).anyMatch(d -> d.name().equals("cell7"));
      assertThat(net.parameterShapes().get("head.weight")).containsExactly(3, 24);
    }
  }

  @Test
  void copyingNeedsTheSupernetsSpec() {
    MacroSpace space = new MacroSpace(3);
    NetworkSpec searched = new NetworkSpec(3, 4, 3, 1, 8, 8, 0f, false);
    NetworkSpec wider = new NetworkSpec(3, 8, 3, 1, 8, 8, 0f, false);
    Architecture child = Fixtures.randomArchitecture(space, new Random(63));
    try (Supernet supernet = Supernet.create(space, searched, SgdSettings.macroDefaults(), 1);
        StandaloneNetwork net =
            StandaloneNetwork.create(child, wider, SgdSettings.macroDefaults(), 1)) {
      assertThatThrownBy(() -> net.copyWeightsFrom(supernet))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("specs differ");
    }
  }

  @Test
  void rejectsImagesOfTheWrongSize() {
    MacroSpace space = new MacroSpace(3);
    NetworkSpec spec = new NetworkSpec(3, 4, 3, 1, 8, 8, 0f, false);
    try (Supernet supernet = Supernet.create(space, spec, SgdSettings.macroDefaults(), 1)) {
      Architecture child = Fixtures.randomArchitecture(space, new Random(64));
      assertThatThrownBy(() -> supernet.trainStep(child, new float[63], new int[] {0}, 0.1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("N x C x H x W");
      assertThatThrownBy(() -> supernet.evaluate(child, new float[64], new int[] {3}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("outside 0..2");
    }
  }

  private static StandaloneNetwork retrain(SearchSpace space, NetworkSpec spec, long seed) {
    Random random = new Random(seed);
    Architecture child = Fixtures.randomArchitecture(space, random);
    StandaloneNetwork net =
        StandaloneNetwork.create(child, spec, SgdSettings.macroDefaults(), seed);
    float[] images = Fixtures.images(spec, 4, random);
    int[] labels = Fixtures.labels(spec, 4, random);
    double[] losses = new double[3];
    for (int s = 0; s < 3; s++) {
      StepResult step = net.trainStep(images, labels, 0.05);
      assertThat(step.applied()).isTrue();
      losses[s] = step.loss();
    }
    // Three steps on one batch fit it: the loss (taken before each update) falls. Seen: 1.03 ->
    // 0.50 (macro), 1.45 -> 0.26 (micro); steps that changed nothing would leave it where it was.
    assertThat(losses[2]).as(Arrays.toString(losses)).isLessThan(0.8 * losses[0]);
    Map<String, float[]> before = Fixtures.snapshot(net.store());
    float[] running = net.logits(images, BatchNormMode.RUNNING);
    float[] batch = net.logits(images, BatchNormMode.BATCH);
    assertThat(running).hasSize(4 * spec.classes());
    // Running statistics after three steps are not this batch's statistics.
    assertThat(Arrays.equals(running, batch)).isFalse();
    double right = net.evaluate(images, labels) * 4;
    assertThat(right).as("right answers of 4").isCloseTo(Math.rint(right), within(1e-9));
    assertThat(net.logits(images, BatchNormMode.RUNNING)).containsExactly(running);
    Map<String, float[]> after = Fixtures.snapshot(net.store());
    for (String key : before.keySet()) {
      assertThat(after.get(key)).as(key).containsExactly(before.get(key));
    }
    return net;
  }
}
