package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The input gradient of a padded 3x3 convolution, as every macro and micro layer back-propagates
 * through it, against a direct double-precision sum.
 *
 * <p>Found by {@link PyTorchParityTest}: on processors with AVX-512, libtorch 2.7.1's oneDNN
 * (backward_data, {@code jit:avx512_core}, channels blocked by 16) returns input gradients 40 to 90
 * % off when the channel count is not a multiple of 16, while the weight gradient and the forward
 * pass are right. Limiting oneDNN to AVX2 ({@code ONEDNN_MAX_CPU_ISA=AVX2} in the environment of
 * the JVM) gives the right gradients.
 */
class ConvolutionGradientTest {

  @ParameterizedTest
  @ValueSource(ints = {8, 16, 24})
  void inputGradientOfAPaddedConvolution(int channels) {
    int n = 4;
    int size = 8;
    int k = 3;
    Random random = new Random(channels);
    float[] x = gaussian(n * channels * size * size, random);
    float[] w = gaussian(channels * channels * k * k, random);
    float[] r = gaussian(n * channels * size * size, random);
    float[] ours;
    synchronized (Steps.AUTOGRAD) {
      Steps.gradientsOff();
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray input = manager.create(x, new Shape(n, channels, size, size));
        NDArray weight = manager.create(w, new Shape(channels, channels, k, k));
        NDArray probe = manager.create(r, new Shape(n, channels, size, size));
        input.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
          NDArray y = Conv2d.conv2d(input, weight, null, new Shape(1, 1), new Shape(1, 1),
              new Shape(1, 1), 1).singletonOrThrow();
          collector.backward(y.mul(probe).sum());
        }
        ours = input.getGradient().toFloatArray();
      } finally {
        Steps.gradientsOff();
      }
    }
    // d/dx of sum(conv(x, w) * r): each input pixel collects r times the weight that carried it.
    double worst = 0;
    double scale = 0;
    for (int b = 0; b < n; b++) {
      for (int ci = 0; ci < channels; ci++) {
        for (int h = 0; h < size; h++) {
          for (int v = 0; v < size; v++) {
            double sum = 0;
            for (int co = 0; co < channels; co++) {
              for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                  int oh = h + 1 - kh;
                  int ow = v + 1 - kw;
                  if (oh >= 0 && oh < size && ow >= 0 && ow < size) {
                    sum += (double) r[((b * channels + co) * size + oh) * size + ow]
                        * w[((co * channels + ci) * k + kh) * k + kw];
                  }
                }
              }
            }
            int at = ((b * channels + ci) * size + h) * size + v;
            worst = Math.max(worst, Math.abs(ours[at] - sum));
            scale = Math.max(scale, Math.abs(sum));
          }
        }
      }
    }
    assertThat(worst / scale)
        .as("largest error of the input gradient relative to its largest value, %d channels;"
            + " on AVX-512 machines run with ONEDNN_MAX_CPU_ISA=AVX2 (libtorch 2.7.1's oneDNN"
            + " backward_data is wrong for channel counts that are not multiples of 16)", channels)
        .isLessThan(1e-5);
  }

  private static float[] gaussian(int size, Random random) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
