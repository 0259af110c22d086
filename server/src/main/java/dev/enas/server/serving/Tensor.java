package dev.enas.server.serving;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor on the Java heap: the form in which inputs reach a model and outputs leave it, so that
 * callers never hold native ONNX Runtime memory. Elements are single-precision floats (image
 * pixels, hidden states, scores: {@link TensorSpec#FP32}) or 64-bit integers (a language model's
 * token ids: {@link TensorSpec#INT64}); {@link #datatype()} says which, and the accessor of the
 * other kind refuses.
 *
 * <p>The elements are the buffer's, from its position to its limit, in row-major order. The buffer
 * is read, not copied, so the caller leaves it alone until the tensor has been used.
 */
public final class Tensor {
  private final long[] shape;
  private final String datatype;
  private final Buffer data;

  private Tensor(long[] shape, String datatype, Buffer data) {
    Objects.requireNonNull(data, "data");
    this.shape = checkedShape(shape, data.remaining());
    this.datatype = datatype;
    this.data = data;
  }

  /** A tensor of floats, such as a batch of images; {@code shape} outermost first. */
  public static Tensor ofFloats(long[] shape, FloatBuffer data) {
    return new Tensor(shape, TensorSpec.FP32, data);
  }

  /** A tensor of 64-bit integers, such as a batch of token ids; {@code shape} outermost first. */
  public static Tensor ofLongs(long[] shape, LongBuffer data) {
    return new Tensor(shape, TensorSpec.INT64, data);
  }

  /** The dimensions, outermost first (a copy). */
  public long[] shape() {
    return shape.clone();
  }

  /** The element type in the inference protocol's spelling: {@code FP32} or {@code INT64}. */
  public String datatype() {
    return datatype;
  }

  /** Whether the elements are floats ({@link #floats()}) rather than longs ({@link #longs()}). */
  public boolean isFloats() {
    return data instanceof FloatBuffer;
  }

  /**
   * The elements of a float tensor, row-major: a read-only view sharing this tensor's buffer.
   *
   * @throws IllegalStateException if this is an {@code INT64} tensor
   */
  public FloatBuffer floats() {
    if (data instanceof FloatBuffer floats) {
      return floats.asReadOnlyBuffer();
    }
    throw new IllegalStateException("an " + datatype + " tensor has no float elements");
  }

  /**
   * The elements of a 64-bit integer tensor, row-major: a read-only view sharing this tensor's
   * buffer.
   *
   * @throws IllegalStateException if this is an {@code FP32} tensor
   */
  public LongBuffer longs() {
    if (data instanceof LongBuffer longs) {
      return longs.asReadOnlyBuffer();
    }
    throw new IllegalStateException("an " + datatype + " tensor has no integer elements");
  }

  /**
   * A copy of {@code shape}, checked to hold exactly {@code elements} elements.
   *
   * @throws IllegalArgumentException naming the shape and both counts when they differ
   */
  private static long[] checkedShape(long[] shape, int elements) {
    long[] copy = shape.clone();
    long holds = 1;
    for (long dim : copy) {
      holds *= dim;
    }
    if (holds != elements) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(copy)
              + " holds "
              + holds
              + " elements but the data has "
              + elements);
    }
    return copy;
  }
}
