package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PyTorch keeps autograd's on/off switch per thread, on by default. A server builds and trains
 * networks on whatever thread its scheduler gives it, so every entry point must work on a thread
 * that never touched the engine before.
 */
class FreshThreadTest {

  @Test
  void networksBuildAndTrainOnThreadsThatNeverSawTheEngine() throws Exception {
    MacroSpace space = new MacroSpace(2);
    NetworkSpec spec = new NetworkSpec(2, 4, 10, 1, 8, 8, 0f, false);
    Architecture child = space.parse("macro: 0 | 2 1");
    float[] images = new float[4 * 64];
    for (int i = 0; i < images.length; i++) {
      images[i] = (i % 7) / 7f;
    }
    int[] labels = {0, 1, 2, 3};
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      Supernet supernet =
          CompletableFuture.supplyAsync(
                  () -> Supernet.create(space, spec, SgdSettings.macroDefaults(), 1), threads)
              .get();
      double[] losses = new double[3];
      for (int i = 0; i < 3; i++) {
        // A new thread each time: the executor grows since the previous task may still hold one.
        StepResult r =
            CompletableFuture.supplyAsync(
                    () -> supernet.trainStep(child, images, labels, 0.05),
                    Executors.newSingleThreadExecutor())
                .get(60, TimeUnit.SECONDS);
        assertThat(r.applied()).isTrue();
        losses[i] = r.loss();
      }
      // The steps on fresh threads did train: the same batch's loss fell at every step (seen:
      // 2.226, 2.191, 2.144; with no dropout, steps that changed nothing would repeat it).
      assertThat(losses[1]).as(Arrays.toString(losses)).isLessThan(losses[0]);
      assertThat(losses[2]).as(Arrays.toString(losses)).isLessThan(losses[1]);
      StandaloneNetwork network =
          CompletableFuture.supplyAsync(
                  () -> {
                    StandaloneNetwork n =
                        StandaloneNetwork.create(child, spec, SgdSettings.macroDefaults(), 2);
                    n.copyWeightsFrom(supernet);
                    n.trainStep(images, labels, 0.05);
                    return n;
                  },
                  Executors.newSingleThreadExecutor())
              .get(60, TimeUnit.SECONDS);
      double right = network.evaluate(images, labels) * 4;
      assertThat(right).as("right answers of 4").isCloseTo(Math.rint(right), within(1e-9));
      network.close();
      supernet.close();
    } finally {
      threads.shutdownNow();
    }
  }
}
