package dev.enas.controller;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named parameter tensors stored as flat double arrays, in insertion order. */
final class ParameterSet {
  private final Map<String, double[]> tensors = new LinkedHashMap<>();

  double[] add(String name, int size) {
    double[] values = new double[size];
    if (tensors.putIfAbsent(name, values) != null) {
      throw new IllegalStateException("duplicate parameter " + name);
    }
    return values;
  }

  double[] get(String name) {
    double[] values = tensors.get(name);
    if (values == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return values;
  }

  List<String> names() {
    return new ArrayList<>(tensors.keySet());
  }

  /** A zero-filled set with the same names and shapes. */
  ParameterSet zerosLike() {
    ParameterSet zeros = new ParameterSet();
    tensors.forEach((name, values) -> zeros.add(name, values.length));
    return zeros;
  }

  void fill(double value) {
    for (double[] values : tensors.values()) {
      Arrays.fill(values, value);
    }
  }

  double squaredNorm() {
    double sum = 0;
    for (double[] values : tensors.values()) {
      for (double v : values) {
        sum += v * v;
      }
    }
    return sum;
  }

  void scale(double factor) {
    for (double[] values : tensors.values()) {
      for (int i = 0; i < values.length; i++) {
        values[i] *= factor;
      }
    }
  }

  /** Copies values in from a map with the same names and sizes. */
  void load(Map<String, double[]> source) {
    if (!source.keySet().equals(tensors.keySet())) {
      throw new IllegalArgumentException(
          "parameter names differ: expected " + tensors.keySet() + ", found " + source.keySet());
    }
    source.forEach(
        (name, values) -> {
          double[] target = tensors.get(name);
          if (target.length != values.length) {
            throw new IllegalArgumentException(
                "parameter " + name + " has " + target.length + " values, found " + values.length);
          }
          System.arraycopy(values, 0, target, 0, values.length);
        });
  }

  Map<String, double[]> view() {
    return Collections.unmodifiableMap(tensors);
  }
}
