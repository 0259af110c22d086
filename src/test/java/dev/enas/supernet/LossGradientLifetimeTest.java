package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The image networks' loss gives the same gradient whether or not the garbage collector runs
 * between forward and backward: it divides by the batch size through a tensor it owns, since a Java
 * number would be wrapped in a scalar that DJL frees before backward reads it (see {@link
 * RnnGradientLifetimeTest}).
 */
class LossGradientLifetimeTest {
  private static final int BATCH = 8;
  private static final int CLASSES = 5;

  @Test
  void aCollectionBeforeBackwardChangesNoGradientOfTheLoss() throws InterruptedException {
    Random random = new Random(4);
    float[] logits = new float[BATCH * CLASSES];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) random.nextGaussian();
    }
    int[] labels = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = random.nextInt(CLASSES);
    }
    float[] quiet = gradient(logits, labels, false);
    for (int round = 0; round < 3; round++) {
      assertThat(gradient(logits, labels, true)).as("round %d", round).containsExactly(quiet);
    }
  }

  private static float[] gradient(float[] logits, int[] labels, boolean collectBeforeBackward)
      throws InterruptedException {
    synchronized (Steps.AUTOGRAD) {
      Steps.gradientsOff();
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray x = manager.create(logits, new Shape(BATCH, CLASSES));
        x.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
          NDArray loss = Steps.crossEntropy(manager, x, labels);
          List<ByteBuffer> fillers = collectBeforeBackward ? Fixtures.collectGarbage() : List.of();
          collector.backward(loss);
          Reference.reachabilityFence(fillers);
        }
        Steps.gradientsOff();
        return x.getGradient().toFloatArray();
      }
    }
  }
}
