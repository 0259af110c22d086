package dev.enas.server.serving;

import java.nio.LongBuffer;
import java.util.Objects;

/** A tensor of 64-bit integers on the Java heap, such as a batch of token ids. */
public final class LongTensor implements Tensor {
  private final long[] shape;
  private final LongBuffer data;

  /**
   * @param shape the dimensions, outermost first
   * @param data the elements in row-major order, from its position to its limit; the buffer is
   *     read, not copied, so the caller leaves it alone until the tensor has been used
   */
  public LongTensor(long[] shape, LongBuffer data) {
    this.data = Objects.requireNonNull(data, "data");
    this.shape = Tensor.checkedShape(shape, data.remaining());
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String datatype() {
    return TensorSpec.INT64;
  }

  /** The elements, row-major: a read-only view sharing this tensor's buffer. */
  public LongBuffer data() {
    return data.asReadOnlyBuffer();
  }
}
