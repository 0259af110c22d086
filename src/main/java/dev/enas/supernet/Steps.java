package dev.enas.supernet;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.enas.space.Architecture;
import java.util.random.RandomGenerator;

/**
 * The forward, training and evaluation passes shared by the supernet and standalone networks. Each
 * pass runs in a sub-manager of the store's manager that is closed before it returns, so only plain
 * Java values come out.
 */
final class Steps {
  /**
   * PyTorch allows one gradient collector per process; networks of different searches in one JVM
   * take turns here instead of failing (the device executor serializes them in the server anyway).
   */
  static final Object AUTOGRAD = new Object();

  private Steps() {}

  /**
   * Turns PyTorch's autograd recording off for the calling thread. Grad mode is per thread and
   * starts on in every new thread; a gradient collector restores the mode it found when it closes.
   * In-place writes to weights (the optimizer, running statistics, restores) fail while it is on,
   * so every entry point that writes calls this first, whatever thread it runs on.
   */
  static void gradientsOff() {
    // Loads the native library first if this is the process's first touch of the engine.
    Engine.getEngine("PyTorch");
    JniUtils.setGradMode(false);
  }

  /**
   * The seed of a network's dropout generator, apart from its weights' seeds (which mix the seed
   * with each weight's name).
   */
  static long dropoutSeed(long seed) {
    return seed ^ 0x6A09E667F3BCC909L;
  }

  static StepResult train(
      ParamStore store,
      Body body,
      NetworkSpec spec,
      NesterovSgd optimizer,
      RandomGenerator dropoutMasks,
      Architecture arch,
      float[] images,
      int[] labels,
      double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learning rate must be finite and >= 0, was " + learningRate);
    }
    synchronized (AUTOGRAD) {
      gradientsOff();
      long t = System.nanoTime();
      try (NDManager step = store.manager().newSubManager()) {
        NDArray x = input(step, spec, images, labels);
        t = StepProfile.add(StepProfile.Phase.INPUT, t);
        DjlOps ops = new DjlOps(step, BatchNormMode.TRAIN, dropoutMasks);
        double loss;
        float[] logits;
        try {
          try (GradientCollector collector = step.getEngine().newGradientCollector()) {
            NDArray out = body.forward(ops, x, arch);
            NDArray lossArray = crossEntropy(step, out, labels);
            loss = lossArray.getFloat();
            logits = out.toFloatArray();
            t = StepProfile.add(StepProfile.Phase.FORWARD, t);
            if (Double.isFinite(loss)) {
              collector.backward(lossArray);
            }
          }
          t = StepProfile.add(StepProfile.Phase.BACKWARD, t);
        } catch (RuntimeException e) {
          for (Param p : ops.used()) {
            if (p.trainable()) {
              NesterovSgd.zeroGradient(p);
            }
          }
          throw e;
        }
        gradientsOff();
        double accuracy = accuracy(logits, labels, spec.classes());
        if (!Double.isFinite(loss)) {
          return new StepResult(loss, accuracy, Double.NaN, false, 0);
        }
        NesterovSgd.Update update = optimizer.apply(ops.used(), learningRate, step);
        t = System.nanoTime();
        if (update.applied()) {
          ops.commitStatistics();
        }
        return new StepResult(
            loss, accuracy, update.gradientNorm(), update.applied(), update.tensors());
      } finally {
        // Closing the step's manager frees its temporaries: counted with the statistics.
        StepProfile.add(StepProfile.Phase.STATISTICS, t);
        StepProfile.stepDone();
      }
    }
  }

  /** Logits (N x classes, row-major) of a pass that changes nothing stored. */
  static float[] logits(
      ParamStore store,
      Body body,
      NetworkSpec spec,
      Architecture arch,
      float[] images,
      int batch,
      BatchNormMode mode) {
    if (mode == BatchNormMode.TRAIN) {
      throw new IllegalArgumentException(
          "a training-mode pass happens only inside a training step");
    }
    gradientsOff();
    try (NDManager step = store.manager().newSubManager()) {
      NDArray x = input(step, spec, images, batch);
      return body.forward(new DjlOps(step, mode), x, arch).toFloatArray();
    }
  }

  static double evaluate(
      ParamStore store,
      Body body,
      NetworkSpec spec,
      Architecture arch,
      float[] images,
      int[] labels,
      BatchNormMode mode) {
    checkLabels(labels, spec.classes());
    float[] logits = logits(store, body, spec, arch, images, labels.length, mode);
    return accuracy(logits, labels, spec.classes());
  }

  private static NDArray input(NDManager step, NetworkSpec spec, float[] images, int[] labels) {
    checkLabels(labels, spec.classes());
    return input(step, spec, images, labels.length);
  }

  private static NDArray input(NDManager step, NetworkSpec spec, float[] images, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("a batch needs at least one image");
    }
    long expected = (long) batch * spec.imageSize();
    if (images.length != expected) {
      throw new IllegalArgumentException(
          "images must hold "
              + batch
              + " x "
              + spec.inputChannels()
              + " x "
              + spec.height()
              + " x "
              + spec.width()
              + " = "
              + expected
              + " floats (N x C x H x W), found "
              + images.length);
    }
    return step.create(images, new Shape(batch, spec.inputChannels(), spec.height(), spec.width()));
  }

  private static void checkLabels(int[] labels, int classes) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + i + " is " + labels[i] + ", outside 0.." + (classes - 1));
      }
    }
  }

  /**
   * Mean cross-entropy of softmax(logits) against the labels. The batch size is divided by as a
   * tensor of {@code step}: DJL wraps a Java number in a scalar it closes at once, and backward
   * reads that scalar again, possibly after the garbage collector freed its memory.
   */
  static NDArray crossEntropy(NDManager step, NDArray logits, int[] labels) {
    NDArray oneHot = step.create(labels).oneHot((int) logits.getShape().get(1));
    return logits.logSoftmax(1).mul(oneHot).sum().neg().div(step.create((float) labels.length));
  }

  static double accuracy(float[] logits, int[] labels, int classes) {
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int k = 1; k < classes; k++) {
        if (logits[i * classes + k] > logits[i * classes + best]) {
          best = k;
        }
      }
      if (best == labels[i]) {
        correct++;
      }
    }
    return (double) correct / labels.length;
  }
}
