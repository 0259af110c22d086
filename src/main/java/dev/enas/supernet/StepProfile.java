package dev.enas.supernet;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where the wall time of training steps goes, phase by phase, for benchmarks: off unless {@link
 * #enable} turned it on, and then only summed (one {@link System#nanoTime()} per phase boundary of
 * a step). PyTorch on the CPU runs every operation before its call returns, so the time of a phase
 * is the time of its native work plus the calls into it. The sums are shared by every network in
 * the process; steps run one at a time ({@link Steps#AUTOGRAD}), so no phase overlaps another.
 */
public final class StepProfile {
  /** The parts of a training step, in the order a step goes through them. */
  public enum Phase {
    /** The batch copied into a tensor. */
    INPUT,
    /** The forward pass and the loss, with the logits copied out. */
    FORWARD,
    /** Autograd's backward pass. */
    BACKWARD,
    /** The regularized gradients and their global norm (one scalar read back per weight). */
    NORM,
    /** Clipping, momentum and weight updates. */
    UPDATE,
    /** Zeroing the used weights' gradients. */
    ZERO_GRAD,
    /** Writing the batch-norm running statistics, and closing the step's temporaries. */
    STATISTICS
  }

  private static volatile boolean enabled;
  private static final long[] NANOS = new long[Phase.values().length];
  private static long steps;

  private StepProfile() {}

  /** Turns the sums on or off; turning them on starts from zero. */
  public static synchronized void enable(boolean on) {
    if (on) {
      reset();
    }
    enabled = on;
  }

  /** Starts the sums again from zero. */
  public static synchronized void reset() {
    java.util.Arrays.fill(NANOS, 0);
    steps = 0;
  }

  /** Mean milliseconds per step of each phase since the last reset; empty before a step. */
  public static synchronized Map<Phase, Double> meanMillis() {
    Map<Phase, Double> out = new EnumMap<>(Phase.class);
    if (steps == 0) {
      return out;
    }
    for (Phase p : Phase.values()) {
      out.put(p, NANOS[p.ordinal()] / 1e6 / steps);
    }
    return out;
  }

  /** Adds the time since {@code since} to {@code phase} and returns now. */
  static long add(Phase phase, long since) {
    long now = System.nanoTime();
    if (enabled) {
      synchronized (StepProfile.class) {
        NANOS[phase.ordinal()] += now - since;
      }
    }
    return now;
  }

  /** Counts one profiled step. */
  static synchronized void stepDone() {
    if (enabled) {
      steps++;
    }
  }
}
