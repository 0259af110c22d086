package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpaces;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Convolutions and training steps do not depend on what freed native memory holds. oneDNN, which
 * libtorch convolves with on CPU, reads the unset padding of its 16-channel blocks; before {@link
 * DjlOps#conv} padded channel counts itself, freed memory full of NaN bit patterns made 12- and
 * 24-channel convolutions, their gradients and so whole training steps NaN. Depthwise convolutions
 * run unpadded (each channel reads only itself) and must hold up the same. Each round here first
 * fills memory with NaN patterns and frees it, as leftovers of earlier tensors and buffers do at
 * random in a long run.
 */
class ChannelPaddingGarbageTest {

  @Test
  void convolutionsAndTheirGradientsIgnoreGarbageInFreedMemory() throws InterruptedException {
    for (int channels : new int[] {12, 20, 24}) {
      for (int groups : new int[] {1, channels}) {
        float[][] first = null;
        for (int round = 0; round < 3; round++) {
          float[][] result = convolve(channels, groups, round > 0);
          for (float[] values : result) {
            assertThat(nonFinite(values))
                .as("non-finite values, %d channels, groups %d, round %d", channels, groups, round)
                .isZero();
          }
          if (first == null) {
            first = result;
          } else {
            assertThat(result).as("%d channels, groups %d", channels, groups).isDeepEqualTo(first);
          }
        }
      }
    }
  }

  @Test
  void trainingRunsAreFiniteAndBitIdenticalWithGarbageInFreedMemory() throws InterruptedException {
    Architecture arch =
        SearchSpaces.parse("macro: 0 | 0 0 | 0 0 0 | 0 0 0 0 | 0 0 0 0 0 | 0 0 0 0 0 0");
    NetworkSpec spec = new NetworkSpec(6, 12, 10, 1, 28, 28, 0f, true);
    double[] first = train(arch, spec);
    assertThat(Arrays.stream(first).allMatch(Double::isFinite)).as("finite losses").isTrue();
    assertThat(train(arch, spec)).containsExactly(first);
  }

  private static int nonFinite(float[] values) {
    int count = 0;
    for (float v : values) {
      if (!Float.isFinite(v)) {
        count++;
      }
    }
    return count;
  }

  private static double[] train(Architecture arch, NetworkSpec spec) throws InterruptedException {
    Random random = new Random(5);
    double[] losses = new double[3];
    try (StandaloneNetwork net =
        StandaloneNetwork.create(arch, spec, SgdSettings.macroDefaults(), 1)) {
      for (int step = 0; step < losses.length; step++) {
        float[] images = Fixtures.images(spec, 32, random);
        int[] labels = Fixtures.labels(spec, 32, random);
        poisonFreedMemory();
        losses[step] = net.trainStep(images, labels, 0.05).loss();
      }
    }
    return losses;
  }

  /** Output, weight gradient and input gradient of one 3x3 convolution over 14x14 images. */
  private static float[][] convolve(int channels, int groups, boolean poison)
      throws InterruptedException {
    Random random = new Random(channels + groups);
    Shape shape = new Shape(32, channels, 14, 14);
    float[] input = new float[(int) shape.size()];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
    synchronized (Steps.AUTOGRAD) {
      try (ParamStore store = new ParamStore(3);
          NDManager step = store.manager().newSubManager()) {
        Param weight =
            store.heNormal("w", 9 * channels / groups, channels, channels / groups, 3, 3);
        NDArray x = step.create(input, shape);
        x.setRequiresGradient(true);
        if (poison) {
          poisonFreedMemory();
        }
        float[] out;
        try (GradientCollector collector = step.getEngine().newGradientCollector()) {
          NDArray y =
              new DjlOps(step, BatchNormMode.TRAIN, new SplittableRandom(1))
                  .conv(x, weight, 1, 1, groups);
          out = y.toFloatArray();
          collector.backward(y.mul(y).sum());
        }
        Steps.gradientsOff();
        float[][] result = {
          out, weight.value().getGradient().toFloatArray(), x.getGradient().toFloatArray()
        };
        NesterovSgd.zeroGradient(weight);
        return result;
      }
    }
  }

  /**
   * Fills direct buffers of many sizes with 0xFF bytes (a NaN as float) and waits until their
   * memory is freed, so the native allocator is likely to hand it out again uninitialized.
   */
  private static void poisonFreedMemory() throws InterruptedException {
    BufferPoolMXBean direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> pool.getName().equals("direct"))
            .findFirst()
            .orElseThrow();
    long before = direct.getMemoryUsed();
    byte[] nan = new byte[1 << 16];
    Arrays.fill(nan, (byte) 0xFF);
    List<ByteBuffer> buffers = new ArrayList<>();
    for (int i = 1; i <= 150; i++) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(8192 * i);
      while (buffer.hasRemaining()) {
        buffer.put(nan, 0, Math.min(nan.length, buffer.remaining()));
      }
      buffers.add(buffer);
    }
    buffers = null;
    for (int wait = 0; wait < 500 && direct.getMemoryUsed() > before; wait++) {
      System.gc();
      Thread.sleep(10);
    }
  }
}
