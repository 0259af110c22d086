package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {

  @Test
  void trainSplitHasZeroMeanAndUnitStdPerChannelAfterwards() {
    ImageDataset train =
        StratifiedSplit.byFraction(SyntheticImages.colour32(300, 5), 0.2, 5).train();
    Normalization normalization = Normalization.compute(train);

    float[] x = normalization.apply(train);

    int plane = 32 * 32;
    for (int c = 0; c < 3; c++) {
      double sum = 0;
      double sumOfSquares = 0;
      long count = 0;
      for (int image = 0; image < train.size(); image++) {
        int start = (image * 3 + c) * plane;
        for (int i = start; i < start + plane; i++) {
          sum += x[i];
          sumOfSquares += (double) x[i] * x[i];
          count++;
        }
      }
      double mean = sum / count;
      assertThat(mean).isCloseTo(0, within(1e-4));
      assertThat(Math.sqrt(sumOfSquares / count - mean * mean)).isCloseTo(1, within(1e-4));
    }
  }

  @Test
  void computesMeanAndStdOnTheUnitPixelScale() {
    // Channel 0 holds 0 and 255 (mean 0.5, std 0.5); channel 1 is constant 51 (mean 0.2, std 1 by
    // rule).
    byte[] pixels = {0, (byte) 255, 51, 51};
    ImageDataset data = new ImageDataset("t", pixels, new int[] {0}, 2, 1, 2, List.of("only"));

    Normalization n = Normalization.compute(data);

    assertThat(n.mean()).containsExactly(new float[] {0.5f, 0.2f}, within(1e-6f));
    assertThat(n.std()).containsExactly(new float[] {0.5f, 1f}, within(1e-6f));
    float[] out = n.apply(data);
    assertThat(out).containsExactly(new float[] {-1f, 1f, 0f, 0f}, within(1e-6f));
  }

  @Test
  void unitOnlyScalesToZeroOne() {
    ImageDataset data =
        new ImageDataset("t", new byte[] {0, (byte) 255}, new int[] {0}, 1, 1, 2, List.of("only"));

    assertThat(Normalization.unit(1).apply(data)).containsExactly(0f, 1f);
  }

  @Test
  void rejectsNonPositiveStdAndMismatchedChannels() {
    assertThatThrownBy(() -> new Normalization(new float[] {0}, new float[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("std[0]");
    assertThatThrownBy(() -> Normalization.unit(3).apply(SyntheticImages.greyscale28(2, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 channels");
  }

  @Test
  void isImmutable() {
    float[] mean = {0.1f};
    Normalization n = new Normalization(mean, new float[] {0.3f});

    mean[0] = 9;
    n.mean()[0] = 9;

    assertThat(n.mean()).containsExactly(0.1f);
    assertThat(n).isEqualTo(new Normalization(new float[] {0.1f}, new float[] {0.3f}));
  }
}
