package dev.enas.supernet;

/**
 * The stored state of one named tensor, as plain arrays for checkpoints: its shape, values
 * (row-major) and, for trainable weights, the optimizer's momentum buffer ({@code null} for
 * batch-norm running statistics). Arrays are shared, not copied: treat them as read-only.
 */
public record TensorState(String name, long[] shape, float[] values, float[] momentum) {

  public TensorState {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    if (values.length != size || (momentum != null && momentum.length != size)) {
      throw new IllegalArgumentException(name + ": array lengths do not match the shape");
    }
  }

  /** Whether this is a trainable weight rather than a running statistic. */
  public boolean trainable() {
    return momentum != null;
  }
}
