package dev.enas.supernet;

import ai.djl.Device;
import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shared weights of ENAS's recurrent-cell search (the Penn Treebank experiment): the word
 * embedding (vocabulary x hidden, tied to the decoder), the decoder bias, node 0's input matrix (2
 * hidden x 2 hidden) and one matrix W_{l,j} (hidden x 2 hidden) for every pair of nodes j &lt; l,
 * shared by every cell in which node l reads node j. A step computes one sampled cell and updates
 * exactly the tensors it read (embedding, bias, input matrix and W_{l,input(l)} per node) with
 * their momentum buffers; every other W_{l,j} stays bit-identical.
 *
 * <p>Initial values come from the seed, drawn per tensor by name (see {@link #create}), so a {@link
 * RnnLanguageModel} of the same seed and spec starts from exactly the child's values. The training
 * and evaluation passes each carry their own hidden state across calls (see {@link #trainStep});
 * the dropout masks come from a Java generator seeded by the same seed.
 *
 * <p>Owns one NDManager for its tensors, released by {@link #close()}. Not thread-safe: calls run
 * one at a time on the device's thread. Only plain Java values go in and out.
 */
public final class RnnSupernet implements AutoCloseable {
  /** Half-width of the uniform embedding initialization. */
  static final double EMBEDDING_RANGE = 0.1;

  private static final long MASK_STREAM = 0x6D61736B73L;

  private final RnnSpace space;
  private final RnnNetworkSpec spec;
  private final ParamStore store;
  private final RnnPasses passes;

  private RnnSupernet(
      RnnSpace space, RnnNetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    this.space = space;
    this.spec = spec;
    this.store = new ParamStore(seed, device);
    try {
      addSharedTensors(store, spec);
      int nodes = space.nodes();
      long h = spec.hidden();
      for (int l = 1; l < nodes; l++) {
        for (int j = 0; j < l; j++) {
          store.uniform(RnnCell.edge(l, j), cellRange(spec), h, 2 * h);
        }
      }
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.passes = new RnnPasses(store, spec, sgd, maskSeed(seed));
  }

  /**
   * Builds the shared weights of {@code space} drawn from {@code seed}: the embedding uniform in
   * ±0.1, the decoder bias zero, node 0's matrix and every W_{l,j} uniform in ±1/sqrt(hidden) (the
   * range of PyTorch's recurrent layers, ±0.07 at the paper's hidden size 200, close to the ±0.1
   * ranges of ENAS's released code, and the same pre-activation scale at any width).
   *
   * <p>{@code sgd} sets momentum (Nesterov when above 0; the paper's PTB search uses 0, plain SGD
   * at learning rate 20), weight decay, and the bound on the gradient norm (paper 0.25).
   */
  public static RnnSupernet create(
      RnnSpace space, RnnNetworkSpec spec, SgdSettings sgd, long seed) {
    return new RnnSupernet(space, spec, sgd, seed, null);
  }

  /**
   * As {@link #create(RnnSpace, RnnNetworkSpec, SgdSettings, long)}, with the weights and every
   * pass on {@code device}; null takes the engine's default device.
   */
  public static RnnSupernet create(
      RnnSpace space, RnnNetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    return new RnnSupernet(space, spec, sgd, seed, device);
  }

  /** The embedding, decoder bias and input matrix, which every child reads. */
  static void addSharedTensors(ParamStore store, RnnNetworkSpec spec) {
    addSharedTensors(store, spec, true);
  }

  /**
   * As {@link #addSharedTensors(ParamStore, RnnNetworkSpec)}; without a gate on node 0 the input
   * matrix has only the candidate's H columns (2H x H), drawn from the same range.
   */
  static void addSharedTensors(ParamStore store, RnnNetworkSpec spec, boolean gatedInput) {
    long v = spec.vocabulary();
    long h = spec.hidden();
    store.uniform(RnnCell.EMBEDDING, EMBEDDING_RANGE, v, h);
    store.constantWeight(RnnCell.DECODER_BIAS, 0f, v);
    store.uniform(RnnCell.INPUT_WEIGHT, cellRange(spec), 2 * h, gatedInput ? 2 * h : h);
  }

  static double cellRange(RnnNetworkSpec spec) {
    return 1 / Math.sqrt(spec.hidden());
  }

  /** The dropout generator's seed, apart from the weights' streams. */
  static long maskSeed(long seed) {
    return seed ^ MASK_STREAM;
  }

  public RnnSpace space() {
    return space;
  }

  public RnnNetworkSpec spec() {
    return spec;
  }

  /**
   * Trains the child on one window with truncated back-propagation through time: forward in
   * training mode (locked dropout) from the carried hidden state, mean cross-entropy over all
   * positions, backward, then one SGD step on the child's tensors: weight decay added to the
   * gradient, the global norm over those tensors clipped to the configured bound, momentum.
   *
   * <p>The hidden state after the window is kept (as a copy, so gradients never cross windows) for
   * the next call; it restarts from zeros when {@code batch.startsPass()} or the batch size
   * changes. A NaN or infinite loss or gradient changes no weight or momentum, is reported as not
   * applied, and restarts the carried state from zeros.
   */
  public StepResult trainStep(RnnArchitecture child, TokenBatch batch, double learningRate) {
    check(child);
    return passes.train(child, weights(child), batch, learningRate);
  }

  /**
   * The child's perplexity exp(mean cross-entropy) on one window in evaluation mode (no dropout, no
   * gradients, nothing stored changes), starting from the evaluation hidden state carried from the
   * previous call, which is separate from training's and restarts like it.
   */
  public double evaluate(RnnArchitecture child, TokenBatch batch) {
    check(child);
    return passes.evaluate(child, weights(child), batch);
  }

  /**
   * The child's perplexity on one window from a zero hidden state, leaving the carried states
   * alone: how children are compared on one fixed batch.
   */
  public double evaluateFromZero(RnnArchitecture child, TokenBatch batch) {
    check(child);
    return passes.evaluateFromZero(child, weights(child), batch);
  }

  /** Names of the tensors the child reads: embedding, decoder bias, input matrix, its W_{l,j}. */
  public Set<String> parametersOf(RnnArchitecture child) {
    check(child);
    Set<String> names = new TreeSet<>();
    for (Param p : weights(child).all()) {
      names.add(p.name());
    }
    return names;
  }

  /** Copies of the child's current weights, what a standalone model or an exporter starts from. */
  public RnnWeights weightsOf(RnnArchitecture child) {
    check(child);
    return RnnLanguageModel.copy(spec, weights(child));
  }

  /** Every tensor with its momentum buffer, as Java arrays: what a checkpoint stores. */
  public List<TensorState> state() {
    return store.state();
  }

  /**
   * Overwrites all tensors and momentum buffers from a {@link #state()} of a supernet of the same
   * space and spec; nothing is written if any tensor is missing, extra or of another shape. The
   * carried hidden states restart from zeros.
   */
  public void restore(List<TensorState> state) {
    Steps.gradientsOff();
    store.restore(state);
    passes.resetCarried();
  }

  /**
   * The tensors, the dropout generator's state and both carried hidden states: what continues
   * training and rewards exactly.
   */
  public NetworkState snapshot() {
    return passes.snapshot();
  }

  /**
   * Continues from a {@link #snapshot()} of a model built like this one: tensors (nothing is
   * written on a mismatch), dropout generator, carried hidden states.
   */
  public void restore(NetworkState state) {
    passes.restore(state);
  }

  /**
   * One evaluation-mode step of the child for a batch of tokens: {logits (batch x vocabulary), next
   * hidden state (batch x hidden)}; for checking the engine against {@link RnnReference}.
   */
  float[][] step(RnnArchitecture child, int[] tokens, float[] hidden) {
    check(child);
    return passes.step(child, weights(child), tokens, hidden);
  }

  /** The device the weights and every pass are on. */
  public Device device() {
    return store.device();
  }

  ParamStore store() {
    return store;
  }

  RnnPasses passes() {
    return passes;
  }

  private RnnCell.Weights weights(RnnArchitecture child) {
    return RnnCell.Weights.of(store, child);
  }

  private void check(RnnArchitecture child) {
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
