package dev.enas.server.serving;

import java.util.List;
import java.util.Objects;

/**
 * One input or output of a model as clients see it.
 *
 * @param name the tensor's name in the model
 * @param datatype the element type in the inference protocol's spelling: {@link #FP32} or {@link
 *     #INT64}
 * @param shape the dimensions, outermost first; -1 marks a dimension of any size
 */
public record TensorSpec(String name, String datatype, List<Long> shape) {
  /** Single-precision floats: a classifier's tensors, a language model's states and scores. */
  public static final String FP32 = "FP32";

  /** 64-bit integers: a language model's token ids. */
  public static final String INT64 = "INT64";

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    shape = List.copyOf(shape);
  }
}
