package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.space.Architecture;
import dev.enas.space.MicroSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A supernet's state, restored into a fresh one, continues the search where it stopped. */
class StateTest {
  private static final MicroSpace SPACE = new MicroSpace(2);
  private static final NetworkSpec SPEC = new NetworkSpec(1, 4, 3, 1, 8, 8, 0f, true);

  @Test
  void restoredSupernetContinuesIdentically() {
    Random random = new Random(71);
    try (Supernet original = Supernet.create(SPACE, SPEC, SgdSettings.microDefaults(), 1);
        Supernet restored = Supernet.create(SPACE, SPEC, SgdSettings.microDefaults(), 2)) {
      for (int s = 0; s < 3; s++) {
        original.trainStep(
            Fixtures.randomArchitecture(SPACE, random),
            Fixtures.images(SPEC, 4, random),
            Fixtures.labels(SPEC, 4, random),
            0.05);
      }
      restored.restore(original.state());
      assertSameTensors(original, restored);

      Architecture child = Fixtures.randomArchitecture(SPACE, random);
      float[] images = Fixtures.images(SPEC, 4, random);
      int[] labels = Fixtures.labels(SPEC, 4, random);
      original.trainStep(child, images, labels, 0.05);
      restored.trainStep(child, images, labels, 0.05);
      // Momentum came along: the next step moves both the same way.
      assertSameTensors(original, restored);
    }
  }

  @Test
  void mismatchedStateWritesNothing() {
    try (Supernet net = Supernet.create(SPACE, SPEC, SgdSettings.microDefaults(), 3)) {
      Map<String, float[]> before = Fixtures.snapshot(net.store());
      List<TensorState> state = new ArrayList<>(net.state());
      TensorState last = state.remove(state.size() - 1);
      assertThatThrownBy(() -> net.restore(state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(last.name());
      for (Map.Entry<String, float[]> e : Fixtures.snapshot(net.store()).entrySet()) {
        assertThat(e.getValue()).as(e.getKey()).containsExactly(before.get(e.getKey()));
      }
    }
  }

  private static void assertSameTensors(Supernet a, Supernet b) {
    Map<String, float[]> left = Fixtures.snapshot(a.store());
    Map<String, float[]> right = Fixtures.snapshot(b.store());
    assertThat(right.keySet()).containsExactlyElementsOf(left.keySet());
    for (String key : left.keySet()) {
      assertThat(right.get(key)).as(key).containsExactly(left.get(key));
    }
  }
}
