package dev.enas.server.serving;

import java.nio.FloatBuffer;
import java.util.Objects;

/** A tensor of single-precision floats on the Java heap, such as a batch of images. */
public final class FloatTensor implements Tensor {
  private final long[] shape;
  private final FloatBuffer data;

  /**
   * @param shape the dimensions, outermost first
   * @param data the elements in row-major order, from its position to its limit; the buffer is
   *     read, not copied, so the caller leaves it alone until the tensor has been used
   */
  public FloatTensor(long[] shape, FloatBuffer data) {
    this.data = Objects.requireNonNull(data, "data");
    this.shape = Tensor.checkedShape(shape, data.remaining());
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String datatype() {
    return TensorSpec.FP32;
  }

  /** The elements, row-major: a read-only view sharing this tensor's buffer. */
  public FloatBuffer data() {
    return data.asReadOnlyBuffer();
  }
}
