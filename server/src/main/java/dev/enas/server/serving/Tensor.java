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
}
