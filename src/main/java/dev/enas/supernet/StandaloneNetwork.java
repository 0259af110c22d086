package dev.enas.supernet;

import ai.djl.Device;
import ai.djl.ndarray.index.NDIndex;
import dev.enas.space.Architecture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One architecture built on its own: only its operations and connections, at a depth and width set
 * by its {@link NetworkSpec} rather than by the search. This is the network the final retraining
 * trains, evaluates with running batch-norm statistics, and exports; {@link #layers()}, {@link
 * #graph()} and {@link #parameterShapes()} expose its structure.
 *
 * <p>Parameter names match the supernet's, so {@link #copyWeightsFrom(Supernet)} moves the child's
 * shared weights in. Owns one NDManager for its parameters, released by {@link #close()}; not
 * thread-safe.
 */
public final class StandaloneNetwork implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  private final Architecture architecture;
  private final NetworkSpec spec;
  private final ParamStore store;
  private final Body body;
  private final NesterovSgd optimizer;

  /** Dropout masks of training steps, drawn in step order from the network's seed. */
  private final MaskRandom dropoutMasks;

  private StandaloneNetwork(
      Architecture architecture, NetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    this.architecture = architecture;
    this.spec = spec;
    this.store = new ParamStore(seed, device);
    try {
      this.body = Body.build(store, spec, architecture.space(), architecture);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.optimizer = new NesterovSgd(sgd);
    this.dropoutMasks = new MaskRandom(Steps.dropoutSeed(seed));
  }

  /** Builds the network of {@code architecture} with weights drawn from {@code seed}. */
  public static StandaloneNetwork create(
      Architecture architecture, NetworkSpec spec, SgdSettings sgd, long seed) {
    return new StandaloneNetwork(architecture, spec, sgd, seed, null);
  }

  /** As {@link #create(Architecture, NetworkSpec, SgdSettings, long)}, on {@code device}. */
  public static StandaloneNetwork create(
      Architecture architecture, NetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    return new StandaloneNetwork(architecture, spec, sgd, seed, device);
  }

  /** The device the weights and every pass are on. */
  public Device device() {
    return store.device();
  }

  public Architecture architecture() {
    return architecture;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /** One Nesterov SGD step on a minibatch, updating running statistics (see {@link Supernet}). */
  public StepResult trainStep(float[] images, int[] labels, double learningRate) {
    return Steps.train(
        store, body, spec, optimizer, dropoutMasks, architecture, images, labels, learningRate);
  }

  /**
   * Logits (N x classes, row-major) without changing anything: {@link BatchNormMode#RUNNING} for
   * inference, {@link BatchNormMode#BATCH} to compare with the supernet's reward pass.
   */
  public float[] logits(float[] images, BatchNormMode mode) {
    if (images.length % spec.imageSize() != 0) {
      throw new IllegalArgumentException(
          "images length "
              + images.length
              + " is not a multiple of one image's "
              + spec.imageSize()
              + " floats");
    }
    int batch = images.length / spec.imageSize();
    return Steps.logits(store, body, spec, architecture, images, batch, mode);
  }

  /** Accuracy (fraction correct) with running batch-norm statistics: the test-set measure. */
  public double evaluate(float[] images, int[] labels) {
    return Steps.evaluate(store, body, spec, architecture, images, labels, BatchNormMode.RUNNING);
  }

  /** The network's steps as built: operations, the values they read, the parameters they own. */
  public List<LayerDescriptor> layers() {
    return body.describe(architecture);
  }

  /** The forward pass as primitive operations, traced from the code that computes it. */
  public List<GraphNode> graph() {
    TraceOps trace = new TraceOps();
    body.forward(trace, "image", architecture);
    return trace.nodes();
  }

  /** Every parameter and running statistic by name, with its shape, in construction order. */
  public Map<String, long[]> parameterShapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Param p : store.all()) {
      shapes.put(p.name(), p.shape());
    }
    return shapes;
  }

  /** Number of trained values: every weight, but not batch norm's running statistics. */
  public long trainableParameterCount() {
    long total = 0;
    for (Param p : store.all()) {
      if (p.trainable()) {
        long size = 1;
        for (long d : p.shape()) {
          size *= d;
        }
        total += size;
      }
    }
    return total;
  }

  /** A copy of one parameter's current values, row-major. */
  public float[] parameter(String name) {
    return store.get(name).value().toFloatArray();
  }

  /**
   * Overwrites every weight and running statistic with the supernet's tensor of the same name, so
   * this network computes the child as the supernet does. Momentum buffers are not copied. The spec
   * must equal the supernet's, except for dropout.
   */
  public void copyWeightsFrom(Supernet supernet) {
    Steps.gradientsOff();
    if (!architecture.space().equals(supernet.space())) {
      throw new IllegalArgumentException(
          "the supernet searches "
              + supernet.space().describe()
              + ", this network is of "
              + architecture.space().describe());
    }
    NetworkSpec theirs = supernet.spec();
    if (!sameShape(spec, theirs)) {
      throw new IllegalArgumentException(
          "specs differ beyond dropout: this network " + spec + ", the supernet " + theirs);
    }
    ParamStore source = supernet.store();
    for (Param p : store.all()) {
      p.value().set(ALL, source.get(p.name()).value());
    }
  }

  private static boolean sameShape(NetworkSpec a, NetworkSpec b) {
    return a.depth() == b.depth()
        && a.channels() == b.channels()
        && a.classes() == b.classes()
        && a.inputChannels() == b.inputChannels()
        && a.height() == b.height()
        && a.width() == b.width()
        && a.widenAtReductions() == b.widenAtReductions();
  }

  /**
   * Every weight with its momentum buffer and every running statistic, as Java arrays: what a
   * checkpoint stores.
   */
  public List<TensorState> state() {
    return store.state();
  }

  /**
   * Overwrites all weights, momentum buffers and running statistics from a {@link #state()} of a
   * network built from the same space (or architecture) and spec; nothing is written if any tensor
   * is missing, extra or of another shape.
   */
  public void restore(List<TensorState> state) {
    Steps.gradientsOff();
    store.restore(state);
  }

  /** The tensors and the dropout generator's state: what continues training exactly. */
  public NetworkState snapshot() {
    return new NetworkState(store.state(), dropoutMasks.state());
  }

  /**
   * Continues from a {@link #snapshot()} of a network built like this one: tensors as {@link
   * #restore(List)} writes them (nothing on a mismatch), then the dropout generator.
   */
  public void restore(NetworkState state) {
    restore(state.tensors());
    dropoutMasks.restore(state.maskRandom());
  }

  ParamStore store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
  }
}
