package dev.enas.server.serving;

/**
 * A tensor on the Java heap: the form in which inputs reach a model and outputs leave it, so that
 * callers never hold native ONNX Runtime memory. Elements are single-precision floats (image
 * pixels, hidden states, scores) or 64-bit integers (a language model's token ids).
 */
public sealed interface Tensor permits FloatTensor, LongTensor {
  /** The dimensions, outermost first (a copy). */
  long[] shape();

  /** The element type in the inference protocol's spelling: {@code FP32} or {@code INT64}. */
  String datatype();

  /**
   * A copy of {@code shape}, checked to hold exactly {@code elements} elements: what every tensor
   * checks of its data when it is made.
   *
   * @throws IllegalArgumentException naming the shape and both counts when they differ
   */
  static long[] checkedShape(long[] shape, int elements) {
    long[] copy = shape.clone();
    long holds = 1;
    for (long dim : copy) {
      holds *= dim;
    }
    if (holds != elements) {
      throw new IllegalArgumentException("shape " + java.util.Arrays.toString(copy) + " holds "
          + holds + " elements but the data has " + elements);
    }
    return copy;
  }
}
