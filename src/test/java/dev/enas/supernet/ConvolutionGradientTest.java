package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A padded 3x3 convolution as every macro conv3x3 layer runs it ({@link DjlOps#paddedConv2d}), and
 * its input gradient, through which every earlier layer learns, against direct double-precision
 * sums, with oneDNN free to use every instruction set the processor has.
 *
 * <p>Found by {@link PyTorchParityTest}: on processors with AVX-512 (seen on an AMD EPYC with
 * avx512f/bw/vl/vnni/bf16), libtorch 2.7.1's oneDNN, which runs these convolutions in blocks of 16
 * channels ({@code jit:avx512_core}), gets a bare {@code Conv2d.conv2d} wrong when the channel
 * count is not a multiple of 16: the input gradient 40 to 90 % off at 8 and 24 channels, and at 24
 * channels the forward pass too. The engine pads channels to a multiple of 16 instead; this test
 * fails if that padding goes (8 and 24 channels).
 */
class ConvolutionGradientTest {

  @ParameterizedTest
  @CsvSource({"8, 8", "16, 8", "24, 8", "8, 28", "24, 28"})
  void forwardAndInputGradient(int channels, int size) {
    int n = 4;
    int k = 3;
    Random random = new Random(channels);
    float[] x = gaussian(n * channels * size * size, random);
    float[] w = gaussian(channels * channels * k * k, random);
    float[] r = gaussian(n * channels * size * size, random);
    float[] ours;
    float[] output;
    synchronized (Steps.AUTOGRAD) {
      Steps.gradientsOff();
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray input = manager.create(x, new Shape(n, channels, size, size));
        NDArray weight = manager.create(w, new Shape(channels, channels, k, k));
        NDArray probe = manager.create(r, new Shape(n, channels, size, size));
        input.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
          NDArray y = DjlOps.paddedConv2d(input, weight, 1, 1, 1, manager);
          collector.backward(y.mul(probe).sum());
          output = y.toFloatArray();
        }
        ours = input.getGradient().toFloatArray();
      } finally {
        Steps.gradientsOff();
      }
    }
    double forwardWorst = 0;
    double forwardScale = 0;
    for (int b = 0; b < n; b++) {
      for (int co = 0; co < channels; co++) {
        for (int h = 0; h < size; h++) {
          for (int v = 0; v < size; v++) {
            double sum = 0;
            for (int ci = 0; ci < channels; ci++) {
              for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                  int ih = h + kh - 1;
                  int iw = v + kw - 1;
                  if (ih >= 0 && ih < size && iw >= 0 && iw < size) {
                    sum +=
                        (double) x[((b * channels + ci) * size + ih) * size + iw]
                            * w[((co * channels + ci) * k + kh) * k + kw];
                  }
                }
              }
            }
            int at = ((b * channels + co) * size + h) * size + v;
            forwardWorst = Math.max(forwardWorst, Math.abs(output[at] - sum));
            forwardScale = Math.max(forwardScale, Math.abs(sum));
          }
        }
      }
    }
    assertThat(forwardWorst / forwardScale)
        .as("forward error, %d channels", channels)
        .isLessThan(1e-5);
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
                    sum +=
                        (double) r[((b * channels + co) * size + oh) * size + ow]
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
        .as(
            "largest error of the input gradient relative to its largest value, %d channels"
                + " (libtorch 2.7.1's oneDNN reads uninitialised padding for channel counts that are"
                + " not multiples of its block)",
            channels)
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
