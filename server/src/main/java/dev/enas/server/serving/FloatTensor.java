package dev.enas.server.serving;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A single-precision tensor on the Java heap: the form in which inputs reach a model and outputs
 * leave it, so that callers never hold native ONNX Runtime memory.
 */
public final class FloatTensor {
  private final long[] shape;
  private final FloatBuffer data;

  /**
   * @param shape the dimensions, outermost first
   * @param data the elements in row-major order, from its position to its limit; the buffer is
   *     read, not copied, so the caller leaves it alone until the tensor has been used
   */
  public FloatTensor(long[] shape, FloatBuffer data) {
    this.shape = shape.clone();
    this.data = Objects.requireNonNull(data, "data");
    long elements = 1;
    for (long dim : shape) {
      elements *= dim;
    }
    if (elements != data.remaining()) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + elements
          + " elements but the data has " + data.remaining());
    }
  }

  /** The dimensions, outermost first (a copy). */
  public long[] shape() {
    return shape.clone();
  }

  /** The elements, row-major: a read-only view sharing this tensor's buffer. */
  public FloatBuffer data() {
    return data.asReadOnlyBuffer();
  }
}
