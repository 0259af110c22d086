package dev.enas.supernet;

import ai.djl.Device;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shared-weight network of an ENAS search: one set of weights holding every candidate operation
 * of a macro or micro space, from which each sampled child runs only its own. A training step
 * forwards exactly the child and updates exactly the weights, momentum buffers and batch-norm
 * statistics it used, so candidates outside the child stay bit-identical.
 *
 * <p>Owns one NDManager for all parameters, released by {@link #close()}. Not thread-safe: calls
 * run one at a time on the device's thread. Inputs are plain arrays: images N x C x H x W
 * (row-major, C, H, W as in the {@link NetworkSpec}) and labels in 0..classes-1.
 */
public final class Supernet implements AutoCloseable {
  private final SearchSpace space;
  private final NetworkSpec spec;
  private final ParamStore store;
  private final Body body;
  private final NesterovSgd optimizer;

  /** Dropout masks of training steps, drawn in step order from the network's seed. */
  private final MaskRandom dropoutMasks;

  private Supernet(SearchSpace space, NetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    this.space = space;
    this.spec = spec;
    this.store = new ParamStore(seed, device);
    try {
      this.body = Body.build(store, spec, space, null);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.optimizer = new NesterovSgd(sgd);
    this.dropoutMasks = new MaskRandom(Steps.dropoutSeed(seed));
  }

  /**
   * Builds the supernet of a macro or micro space with weights drawn from {@code seed}.
   *
   * @throws IllegalArgumentException if the spec does not fit the space (macro: depth must equal
   *     the space's layers)
   */
  public static Supernet create(SearchSpace space, NetworkSpec spec, SgdSettings sgd, long seed) {
    return new Supernet(space, spec, sgd, seed, null);
  }

  /**
   * As {@link #create(SearchSpace, NetworkSpec, SgdSettings, long)}, with every weight and every
   * pass's tensors (inputs included) on {@code device}; null takes the engine's default device.
   */
  public static Supernet create(
      SearchSpace space, NetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    return new Supernet(space, spec, sgd, seed, device);
  }

  /** The device the weights and every pass are on. */
  public Device device() {
    return store.device();
  }

  public SearchSpace space() {
    return space;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /**
   * Trains the child on one minibatch: forward in training mode, mean cross-entropy, backward, one
   * Nesterov step on the child's weights at {@code learningRate}, and the running statistics of the
   * child's batch norms. A NaN or infinite loss or gradient changes nothing and is reported.
   */
  public StepResult trainStep(
      Architecture child, float[] images, int[] labels, double learningRate) {
    check(child);
    return Steps.train(
        store, body, spec, optimizer, dropoutMasks, child, images, labels, learningRate);
  }

  /**
   * The child's accuracy (fraction correct) on one batch, the ENAS reward. No gradients, and no
   * weight or statistic changes. Batch norm normalizes with the batch's own statistics, as the
   * released ENAS code evaluates children in training mode: the shared running statistics mix all
   * children and fit none of them.
   */
  public double evaluate(Architecture child, float[] images, int[] labels) {
    check(child);
    return Steps.evaluate(store, body, spec, child, images, labels, BatchNormMode.BATCH);
  }

  /**
   * The child's logits (N x classes, row-major) with batch statistics, as {@link #evaluate}
   * computes them; the batch size is taken from the array length.
   */
  public float[] logits(Architecture child, float[] images) {
    check(child);
    return Steps.logits(store, body, spec, child, images, batchOf(images), BatchNormMode.BATCH);
  }

  /** Names of the weights and statistics the child reads, in the supernet's naming. */
  public Set<String> parametersOf(Architecture child) {
    check(child);
    TraceOps trace = new TraceOps();
    body.forward(trace, "image", child);
    Set<String> names = new TreeSet<>();
    trace.used().forEach(p -> names.add(p.name()));
    return names;
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
   * supernet built from the same space (or architecture) and spec; nothing is written if any tensor
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

  int batchOf(float[] images) {
    if (images.length % spec.imageSize() != 0) {
      throw new IllegalArgumentException(
          "images length "
              + images.length
              + " is not a multiple of one image's "
              + spec.imageSize()
              + " floats");
    }
    return images.length / spec.imageSize();
  }

  private void check(Architecture child) {
    if (!child.space().equals(space)) {
      throw new IllegalArgumentException(
          "architecture " + child + " is not of this supernet's space " + space.describe());
    }
  }

  @Override
  public void close() {
    store.close();
  }
}
