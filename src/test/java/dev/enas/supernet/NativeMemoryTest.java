package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Steps and evaluations release every array they create; the shared manager stays flat. */
class NativeMemoryTest {

  @Test
  void manyStepsLeaveTheSharedManagerFlat() {
    NetworkSpec spec = new NetworkSpec(3, 4, 3, 1, 8, 8, 0.1f, false);
    Random random = new Random(41);
    try (Supernet net = Supernet.create(new MacroSpace(3), spec, SgdSettings.macroDefaults(), 5)) {
      int before = net.store().openArrays();
      for (int s = 0; s < 200; s++) {
        net.trainStep(
            Fixtures.randomArchitecture(net.space(), random),
            Fixtures.images(spec, 4, random),
            Fixtures.labels(spec, 4, random),
            0.05);
        if (s % 10 == 0) {
          net.evaluate(
              Fixtures.randomArchitecture(net.space(), random),
              Fixtures.images(spec, 4, random),
              Fixtures.labels(spec, 4, random));
        }
      }
      assertThat(net.store().openArrays()).isEqualTo(before);
      // Two arrays per weight (value, momentum) and one per statistic: nothing else stays.
      long weights = net.store().all().stream().filter(Param::trainable).count();
      long statistics = net.store().all().size() - weights;
      assertThat(before).isEqualTo((int) (2 * weights + statistics));
    }
  }

  @Test
  void standaloneStepsLeaveTheirManagerFlat() {
    NetworkSpec spec = new NetworkSpec(1, 4, 3, 1, 8, 8, 0f, true);
    Random random = new Random(42);
    MicroSpace space = new MicroSpace(2);
    try (StandaloneNetwork net =
        StandaloneNetwork.create(
            Fixtures.randomArchitecture(space, random), spec, SgdSettings.microDefaults(), 6)) {
      int before = net.store().openArrays();
      for (int s = 0; s < 30; s++) {
        net.trainStep(Fixtures.images(spec, 4, random), Fixtures.labels(spec, 4, random), 0.05);
        net.evaluate(Fixtures.images(spec, 4, random), Fixtures.labels(spec, 4, random));
        net.layers();
        net.graph();
      }
      assertThat(net.store().openArrays()).isEqualTo(before);
    }
  }
}
