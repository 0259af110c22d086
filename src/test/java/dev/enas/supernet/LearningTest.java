package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The training step descends: repeated steps on one batch fit it, in both spaces. */
class LearningTest {

  @Test
  void macroChildFitsABatch() {
    NetworkSpec spec = new NetworkSpec(3, 8, 3, 1, 8, 8, 0f, false);
    assertFits(new MacroSpace(3), spec, SgdSettings.macroDefaults());
  }

  @Test
  void microChildFitsABatch() {
    NetworkSpec spec = new NetworkSpec(1, 4, 3, 1, 8, 8, 0f, true);
    assertFits(new MicroSpace(2), spec, SgdSettings.microDefaults());
  }

  private static void assertFits(SearchSpace space, NetworkSpec spec, SgdSettings sgd) {
    Random random = new Random(51);
    Architecture child = Fixtures.randomArchitecture(space, random);
    float[] images = Fixtures.images(spec, 8, random);
    int[] labels = Fixtures.labels(spec, 8, random);
    try (Supernet net = Supernet.create(space, spec, sgd, 7)) {
      StepResult first = net.trainStep(child, images, labels, 0.05);
      StepResult last = first;
      for (int s = 0; s < 30; s++) {
        last = net.trainStep(child, images, labels, 0.05);
      }
      assertThat(last.loss()).isLessThan(first.loss() * 0.5);
      assertThat(net.evaluate(child, images, labels)).isEqualTo(1.0);
    }
  }
}
