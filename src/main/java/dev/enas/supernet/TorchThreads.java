package dev.enas.supernet;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count: part of what a seed reproduces, since kernels split their sums
 * by it and another count gives other bits. The server sets a configured count before any search
 * runs; an in-process caller of the engine sets it the same way.
 *
 * <p>Before the engine padded convolution channels to oneDNN's block ({@code DjlOps.paddedConv2d}),
 * two threads on the 2-core AMD EPYC (AVX-512, libtorch 2.7.1) this was built on gave the same
 * training step a different, often NaN, gradient from run to run: oneDNN read uninitialised block
 * padding. With the padding, repeated runs agree at one and two threads.
 *
 * <p>PyTorch keeps the count per native thread and reads the process-wide value once, at a thread's
 * first parallel operation: a thread that already ran one keeps the count it had, so set it before
 * training starts.
 */
public final class TorchThreads {
  private TorchThreads() {}

  /** Sets the intra-op thread count of every thread that has not run a PyTorch operation yet. */
  public static void use(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("intra-op threads must be at least 1, was " + threads);
    }
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
  }

  /** The intra-op thread count operations on the calling thread use. */
  public static int current() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }
}
