package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.enas.space.MacroSpace;
import dev.enas.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a seed can only repeat if the native kernels compute the same correct numbers every time. On
 * the 2-core AMD EPYC (AVX-512) this project is built on, oneDNN's AVX2 and AVX-512 convolution
 * kernels, called bare, gave wrong input gradients (border terms included as if the padding were
 * data) and, now and then, gradients that changed from run to run or were NaN, at one intra-op
 * thread too: they read the uninitialised tail of a channel block. The engine's convolutions pad
 * channels to a multiple of the block ({@link DjlOps#paddedConv2d}); these tests run with oneDNN
 * uncapped and fail on such a machine if that padding goes.
 */
class RepeatabilityTest {

  @Test
  void identicalTrainingsInOneProcessGiveTheSameBits() {
    SearchSpace space = new MacroSpace(6);
    NetworkSpec spec = new NetworkSpec(6, 8, 4, 3, 8, 8, 0f, false);
    List<String> first = null;
    for (int run = 0; run < 30; run++) {
      Random random = new Random(11);
      List<String> steps = new ArrayList<>();
      try (Supernet net = Supernet.create(space, spec, SgdSettings.macroDefaults(), 1)) {
        for (int s = 0; s < 4; s++) {
          StepResult r =
              net.trainStep(
                  Fixtures.randomArchitecture(space, random),
                  Fixtures.images(spec, 8, random),
                  Fixtures.labels(spec, 8, random),
                  0.05);
          steps.add(
              r.applied()
                  + " "
                  + Double.doubleToRawLongBits(r.loss())
                  + " "
                  + Double.doubleToRawLongBits(r.gradientNorm()));
        }
      }
      if (first == null) {
        first = steps;
        assertThat(first).allMatch(s -> s.startsWith("true "));
      }
      assertThat(steps).as("run %d", run).isEqualTo(first);
    }
  }

  @Test
  void convolutionInputGradientsAreTheDirectSums() {
    int n = 16;
    int c = 4;
    int size = 14;
    int k = 3;
    int pad = k / 2;
    SplittableRandom random = new SplittableRandom(1);
    float[] xs = new float[n * c * size * size];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) random.nextGaussian();
    }
    float[] ws = new float[c * c * k * k];
    for (int i = 0; i < ws.length; i++) {
      ws[i] = (float) random.nextGaussian();
    }
    float[] gradient;
    Steps.gradientsOff();
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(xs, new Shape(n, c, size, size));
      NDArray w = manager.create(ws, new Shape(c, c, k, k));
      x.setRequiresGradient(true);
      w.setRequiresGradient(true);
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray y = DjlOps.paddedConv2d(x, w, 1, pad, 1, manager);
        collector.backward(y.sum());
      }
      gradient = x.getGradient().toFloatArray();
    }
    // d(sum y)/dx at a pixel: the sum of the weights whose output position lies inside the image.
    int wrong = 0;
    for (int b = 0; b < n; b++) {
      for (int ci = 0; ci < c; ci++) {
        for (int i = 0; i < size; i++) {
          for (int j = 0; j < size; j++) {
            double expected = 0;
            for (int co = 0; co < c; co++) {
              for (int a = 0; a < k; a++) {
                for (int e = 0; e < k; e++) {
                  int oi = i - a + pad;
                  int oj = j - e + pad;
                  if (oi >= 0 && oj >= 0 && oi < size && oj < size) {
                    expected += ws[((co * c + ci) * k + a) * k + e];
                  }
                }
              }
            }
            float got = gradient[((b * c + ci) * size + i) * size + j];
            if (!(Math.abs(got - expected) <= 1e-4 * (1 + Math.abs(expected)))) {
              wrong++;
            }
          }
        }
      }
    }
    assertThat(wrong).as("wrong input gradients of %d", gradient.length).isZero();
  }
}
