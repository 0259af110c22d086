package dev.enas.supernet;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;

/**
 * One named tensor of a network: a trainable weight with its momentum buffer, or a batch-norm
 * running statistic. Its arrays belong to the {@link ParamStore} that created it and never leave
 * this package.
 */
final class Param {
  /** Whether the optimizer trains the tensor or batch normalization maintains it. */
  enum Kind {
    WEIGHT,
    STATISTIC
  }

  private final String name;
  private final Kind kind;
  private final long[] shape;
  private final NDArray value;
  private final NDArray momentum;

  Param(String name, Kind kind, long[] shape, NDArray value, NDArray momentum) {
    this.name = name;
    this.kind = kind;
    this.shape = shape.clone();
    this.value = value;
    this.momentum = momentum;
  }

  String name() {
    return name;
  }

  Kind kind() {
    return kind;
  }

  boolean trainable() {
    return kind == Kind.WEIGHT;
  }

  long[] shape() {
    return shape.clone();
  }

  NDArray value() {
    return value;
  }

  /** The Nesterov velocity; null for statistics, which the optimizer never sees. */
  NDArray momentum() {
    return momentum;
  }

  static List<String> names(List<Param> params) {
    return params.stream().map(Param::name).toList();
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
