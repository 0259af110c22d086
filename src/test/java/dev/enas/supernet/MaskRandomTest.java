package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dropout generator draws what {@code new SplittableRandom(seed)} draws (so masks did not
 * change when it replaced SplittableRandom), and its one-long state continues the stream exactly.
 */
class MaskRandomTest {

  @Test
  void drawsTheSplittableRandomStream() {
    for (long seed : new long[] {0, 1, -7, Steps.dropoutSeed(42), RnnSupernet.maskSeed(3)}) {
      SplittableRandom reference = new SplittableRandom(seed);
      MaskRandom masks = new MaskRandom(seed);
      for (int i = 0; i < 1000; i++) {
        assertThat(masks.nextDouble()).isEqualTo(reference.nextDouble());
      }
    }
  }

  @Test
  void aRestoredStateContinuesTheStream() {
    MaskRandom original = new MaskRandom(11);
    for (int i = 0; i < 37; i++) {
      original.nextDouble();
    }
    MaskRandom restored = new MaskRandom(0);
    restored.restore(original.state());
    for (int i = 0; i < 100; i++) {
      assertThat(restored.nextLong()).isEqualTo(original.nextLong());
    }
  }
}
