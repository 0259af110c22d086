package dev.enas.supernet;

import java.util.List;
import java.util.Objects;

/**
 * Everything a network needs to continue training exactly where it was, as plain Java values: its
 * tensors (weights with momentum buffers, running statistics), the state of its dropout-mask
 * generator, and for a recurrent model the hidden states it carries from one window to the next
 * (null when the next window starts from zeros). What a search snapshot stores per network.
 */
public record NetworkState(
    List<TensorState> tensors, long maskRandom, Hidden trainingHidden, Hidden evaluationHidden) {

  public NetworkState {
    tensors = List.copyOf(Objects.requireNonNull(tensors, "tensors"));
  }

  /** A convolutional network's state: it carries no hidden state. */
  public NetworkState(List<TensorState> tensors, long maskRandom) {
    this(tensors, maskRandom, null, null);
  }

  /**
   * A hidden state carried between windows: {@code batch} rows of the model's width, row-major. The
   * array is shared, not copied: treat it as read-only.
   */
  public record Hidden(float[] values, int batch) {
    public Hidden {
      Objects.requireNonNull(values, "values");
      if (batch < 1 || values.length % batch != 0) {
        throw new IllegalArgumentException(
            values.length + " hidden values do not split into " + batch + " rows");
      }
    }
  }
}
