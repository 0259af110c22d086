package dev.enas.supernet;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count: part of what a seed reproduces, since kernels split their sums
 * by it and another count gives other bits. The server sets a configured count before any search
 * runs; an in-process caller of the engine sets it the same way.
 *
 * <p>Measured on the 2-core AMD EPYC (AVX-512, libtorch 2.7.1) this was built on: with oneDNN's
 * default kernels, two threads gave the same training step from the same weights a different
 * gradient from run to run and often a NaN one, and even one thread did so now and then. Capped at
 * AVX ({@code ONEDNN_MAX_CPU_ISA}, see {@code server/enas-server}) a 6-layer 12-channel network
 * still went NaN at its first step in one run of two; capped at SSE4.1 repeated runs agreed.
 *
 * <p>PyTorch keeps the count per native thread and reads the process-wide value once, at a
 * thread's first parallel operation: a thread that already ran one keeps the count it had, so set
 * it before training starts.
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
