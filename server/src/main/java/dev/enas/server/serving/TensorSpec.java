package dev.enas.server.serving;

import java.util.List;
import java.util.Objects;

/**
 * One input or output of a model as clients see it.
 *
 * @param name the tensor's name in the model
 * @param datatype the element type in the inference protocol's spelling ("FP32")
 * @param shape the dimensions, outermost first; -1 marks a dimension of any size
 */
public record TensorSpec(String name, String datatype, List<Long> shape) {
  /** The only element type served: ENAS networks are exported in single precision. */
  public static final String FP32 = "FP32";

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    shape = List.copyOf(shape);
  }
}
