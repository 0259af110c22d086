package dev.enas.supernet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Owns the NDManager that holds every parameter, momentum buffer and running statistic of one
 * network, keyed by a stable dotted name. Initial values are drawn in Java from a generator seeded
 * by the network seed and the parameter's name, so a standalone network built with the same seed
 * starts from exactly the values of the supernet's candidates, whatever order they are built in.
 */
final class ParamStore implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  private final NDManager manager;
  private final long seed;
  private final Map<String, Param> params = new LinkedHashMap<>();

  ParamStore(long seed) {
    this(seed, null);
  }

  /**
   * A store whose tensors, and every pass's temporaries (sub-managers of its manager), live on
   * {@code device}; null takes the engine's default device.
   */
  ParamStore(long seed, Device device) {
    Steps.gradientsOff();
    this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
    this.seed = seed;
  }

  /** The device every tensor of this store is on. */
  Device device() {
    return manager.getDevice();
  }

  NDManager manager() {
    return manager;
  }

  /** A convolution or linear weight with He-normal initialization over its fan-in. */
  Param heNormal(String name, int fanIn, long... shape) {
    SplittableRandom random = new SplittableRandom(mix(seed, name));
    double std = Math.sqrt(2.0 / fanIn);
    float[] data = new float[size(shape)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextGaussian() * std);
    }
    return weight(name, shape, data);
  }

  /** A trainable tensor drawn uniformly from [-range, range). */
  Param uniform(String name, double range, long... shape) {
    SplittableRandom random = new SplittableRandom(mix(seed, name));
    float[] data = new float[size(shape)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) ((2 * random.nextDouble() - 1) * range);
    }
    return weight(name, shape, data);
  }

  /** A trainable tensor filled with one value (batch-norm scale and shift, linear bias). */
  Param constantWeight(String name, float fill, long... shape) {
    float[] data = new float[size(shape)];
    Arrays.fill(data, fill);
    return weight(name, shape, data);
  }

  /** A running statistic: not trained, changed only by a training-mode batch norm that runs. */
  Param statistic(String name, float fill, long... shape) {
    float[] data = new float[size(shape)];
    Arrays.fill(data, fill);
    NDArray value = manager.create(data, new Shape(shape));
    return register(new Param(name, Param.Kind.STATISTIC, shape, value, null));
  }

  /** A trainable tensor with given values (row-major). */
  Param weight(String name, long[] shape, float[] data) {
    if (data.length != size(shape)) {
      throw new IllegalArgumentException(
          name + ": " + data.length + " values for shape " + Arrays.toString(shape));
    }
    NDArray value = manager.create(data, new Shape(shape));
    value.setRequiresGradient(true);
    NDArray momentum = manager.zeros(new Shape(shape));
    return register(new Param(name, Param.Kind.WEIGHT, shape, value, momentum));
  }

  private Param register(Param param) {
    if (params.putIfAbsent(param.name(), param) != null) {
      throw new IllegalStateException("parameter name used twice: " + param.name());
    }
    return param;
  }

  Param get(String name) {
    Param param = params.get(name);
    if (param == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return param;
  }

  boolean contains(String name) {
    return params.containsKey(name);
  }

  /** Every tensor's values and momentum as Java arrays, in construction order. */
  List<TensorState> state() {
    List<TensorState> states = new ArrayList<>(params.size());
    for (Param p : params.values()) {
      float[] momentum = p.momentum() == null ? null : p.momentum().toFloatArray();
      states.add(new TensorState(p.name(), p.shape(), p.value().toFloatArray(), momentum));
    }
    return states;
  }

  /**
   * Overwrites every tensor and momentum buffer from {@code states}, which must name exactly this
   * store's tensors with the same shapes and kinds. Everything is checked before anything is
   * written, so a mismatched checkpoint leaves the store as it was.
   */
  void restore(List<TensorState> states) {
    Map<String, TensorState> byName = new HashMap<>();
    for (TensorState s : states) {
      if (byName.put(s.name(), s) != null) {
        throw new IllegalArgumentException("tensor " + s.name() + " appears twice");
      }
    }
    for (Param p : params.values()) {
      TensorState s = byName.get(p.name());
      if (s == null) {
        throw new IllegalArgumentException("the state has no tensor " + p.name());
      }
      if (!Arrays.equals(s.shape(), p.shape()) || s.trainable() != p.trainable()) {
        throw new IllegalArgumentException(
            p.name()
                + ": expected "
                + p.kind()
                + " "
                + Arrays.toString(p.shape())
                + ", the state has "
                + (s.trainable() ? "WEIGHT " : "STATISTIC ")
                + Arrays.toString(s.shape()));
      }
    }
    if (byName.size() != params.size()) {
      List<String> extra = new ArrayList<>(byName.keySet());
      extra.removeAll(params.keySet());
      throw new IllegalArgumentException("the state has tensors this network lacks: " + extra);
    }
    try (NDManager scratch = manager.newSubManager()) {
      for (Param p : params.values()) {
        TensorState s = byName.get(p.name());
        Shape shape = new Shape(p.shape());
        p.value().set(ALL, scratch.create(s.values(), shape));
        if (p.trainable()) {
          p.momentum().set(ALL, scratch.create(s.momentum(), shape));
        }
      }
    }
  }

  Collection<Param> all() {
    return Collections.unmodifiableCollection(params.values());
  }

  /** Arrays the store's manager holds; flat over steps when steps release what they create. */
  int openArrays() {
    return manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
  }

  private static int size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  /** FNV-1a over the name, then SplitMix64's finalizer, so nearby names get unrelated streams. */
  private static long mix(long seed, String name) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < name.length(); i++) {
      h = (h ^ name.charAt(i)) * 0x100000001B3L;
    }
    long z = seed * 0x9E3779B97F4A7C15L + h;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
