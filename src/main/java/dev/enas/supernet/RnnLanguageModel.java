package dev.enas.supernet;

import ai.djl.Device;
import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.List;

/**
 * The language model of one recurrent cell on its own: only the tensors that cell reads (embedding
 * tied to the decoder, decoder bias, node 0's input matrix and W_{l,input(l)} per node), at the
 * width its {@link RnnNetworkSpec} sets, which may exceed the search's. This is what the final
 * retraining trains and the exporter writes. It runs the same cell code as {@link RnnSupernet}, and
 * its tensors carry the supernet's names, so the same seed and spec start it from exactly the
 * supernet child's values. {@link #plainTanh} builds the fixed baseline those cells are compared
 * with: the same language model around a plain tanh recurrent layer.
 *
 * <p>Owns one NDManager for its tensors, released by {@link #close()}; not thread-safe.
 */
public final class RnnLanguageModel implements AutoCloseable {
  /** A single tanh node: with node 0's gate removed, the plain recurrent layer. */
  private static final RnnArchitecture PLAIN_TANH_CELL = new RnnSpace(1).parse("rnn: 0");

  private final RnnArchitecture cell;
  private final RnnNetworkSpec spec;
  private final ParamStore store;
  private final RnnCell.Weights weights;
  private final RnnPasses passes;

  private RnnLanguageModel(
      RnnArchitecture cell,
      RnnNetworkSpec spec,
      SgdSettings sgd,
      long seed,
      RnnWeights from,
      boolean gatedInput) {
    this(cell, spec, sgd, seed, from, gatedInput, null);
  }

  private RnnLanguageModel(
      RnnArchitecture cell,
      RnnNetworkSpec spec,
      SgdSettings sgd,
      long seed,
      RnnWeights from,
      boolean gatedInput,
      Device device) {
    this.cell = cell;
    this.spec = spec;
    this.store = new ParamStore(seed, device);
    try {
      if (from == null) {
        RnnSupernet.addSharedTensors(store, spec, gatedInput);
        long h = spec.hidden();
        for (int l = 1; l < cell.nodes(); l++) {
          store.uniform(RnnCell.edge(l, cell.input(l)), RnnSupernet.cellRange(spec), h, 2 * h);
        }
      } else {
        load(from);
      }
      this.weights = RnnCell.Weights.of(store, cell, gatedInput);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.passes = new RnnPasses(store, spec, sgd, RnnSupernet.maskSeed(seed));
  }

  /**
   * Builds the model of {@code cell} with weights drawn from {@code seed} as {@link
   * RnnSupernet#create} draws them.
   */
  public static RnnLanguageModel create(
      RnnArchitecture cell, RnnNetworkSpec spec, SgdSettings sgd, long seed) {
    return new RnnLanguageModel(cell, spec, sgd, seed, null, true);
  }

  /**
   * As {@link #create(RnnArchitecture, RnnNetworkSpec, SgdSettings, long)}, with the weights and
   * every pass on {@code device}; null takes the engine's default device.
   */
  public static RnnLanguageModel create(
      RnnArchitecture cell, RnnNetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    return new RnnLanguageModel(cell, spec, sgd, seed, null, true, device);
  }

  /**
   * The baseline a searched cell is measured against: a plain tanh recurrent layer of the same
   * hidden size, h_t = tanh(x_t W_x + h_{t-1} W_h), in a language model that is otherwise this
   * class's in every respect: the same tied embedding and decoder bias, the same locked dropouts,
   * the same truncated back-propagation through time, optimiser and gradient clipping, and the same
   * initialisation ranges from {@code seed}. [W_x; W_h] is node 0's input matrix without the
   * highway gate's half (2 hidden x hidden); the layer has no bias, as no ENAS cell has one, so the
   * two models differ only in the cell. Its {@link #cell()} is the one-node cell {@code rnn: 0}.
   *
   * <p>The plain model has no {@link RnnWeights} form, so {@link #weights()} refuses it and it is
   * not exported; {@link #state()} and {@link #restore} work as for any model.
   */
  public static RnnLanguageModel plainTanh(RnnNetworkSpec spec, SgdSettings sgd, long seed) {
    return new RnnLanguageModel(PLAIN_TANH_CELL, spec, sgd, seed, null, false);
  }

  /** As {@link #plainTanh(RnnNetworkSpec, SgdSettings, long)}, on {@code device}. */
  public static RnnLanguageModel plainTanh(
      RnnNetworkSpec spec, SgdSettings sgd, long seed, Device device) {
    return new RnnLanguageModel(PLAIN_TANH_CELL, spec, sgd, seed, null, false, device);
  }

  /**
   * Builds the model of {@code cell} from given weights (copied), for instance a supernet child's
   * {@link RnnSupernet#weightsOf}; dropout masks are drawn from seed 0.
   *
   * @throws IllegalArgumentException if the weights are for another vocabulary, width or number of
   *     nodes
   */
  public static RnnLanguageModel fromWeights(
      RnnArchitecture cell, RnnNetworkSpec spec, SgdSettings sgd, RnnWeights weights) {
    return fromWeights(cell, spec, sgd, weights, 0);
  }

  /**
   * As {@link #fromWeights(RnnArchitecture, RnnNetworkSpec, SgdSettings, RnnWeights)}, with the
   * dropout masks drawn as a network of {@code seed} draws them.
   */
  public static RnnLanguageModel fromWeights(
      RnnArchitecture cell, RnnNetworkSpec spec, SgdSettings sgd, RnnWeights weights, long seed) {
    if (weights.vocabulary() != spec.vocabulary() || weights.hidden() != spec.hidden()) {
      throw new IllegalArgumentException(
          "weights are for vocabulary "
              + weights.vocabulary()
              + " and hidden "
              + weights.hidden()
              + ", the spec has "
              + spec.vocabulary()
              + " and "
              + spec.hidden());
    }
    if (weights.nodes() != cell.nodes()) {
      throw new IllegalArgumentException(
          "weights are for " + weights.nodes() + " nodes, the cell has " + cell.nodes());
    }
    return new RnnLanguageModel(cell, spec, sgd, seed, weights, true);
  }

  private void load(RnnWeights from) {
    long v = spec.vocabulary();
    long h = spec.hidden();
    store.weight(RnnCell.EMBEDDING, new long[] {v, h}, from.embedding());
    store.weight(RnnCell.DECODER_BIAS, new long[] {v}, from.decoderBias());
    store.weight(RnnCell.INPUT_WEIGHT, new long[] {2 * h, 2 * h}, from.inputWeight());
    for (int l = 1; l < cell.nodes(); l++) {
      store.weight(RnnCell.edge(l, cell.input(l)), new long[] {h, 2 * h}, from.nodeWeights()[l]);
    }
  }

  public RnnArchitecture cell() {
    return cell;
  }

  public RnnNetworkSpec spec() {
    return spec;
  }

  /** One training step on a window, as {@link RnnSupernet#trainStep} does for a child. */
  public StepResult trainStep(TokenBatch batch, double learningRate) {
    return passes.train(cell, weights, batch, learningRate);
  }

  /** Perplexity on one window with a carried evaluation state, as {@link RnnSupernet#evaluate}. */
  public double evaluate(TokenBatch batch) {
    return passes.evaluate(cell, weights, batch);
  }

  /**
   * Evaluation perplexity of a whole token stream from a zero state: the stream is cut into {@code
   * batchSize} contiguous rows of L = (n - 1) / batchSize positions read side by side in windows of
   * {@code steps}, the hidden state carried across windows, each of tokens 1 .. batchSize L
   * predicted once. The carried states of {@link #trainStep} and {@link #evaluate} are not touched.
   *
   * @throws IllegalArgumentException if the stream has fewer than batchSize + 1 tokens
   */
  public double perplexity(int[] tokens, int batchSize, int steps) {
    return passes.perplexity(cell, weights, tokens, batchSize, steps);
  }

  /**
   * One evaluation-mode step for a batch of tokens (one per sequence) from {@code hidden} (batch x
   * hidden, row-major): {logits (batch x vocabulary), next hidden state (batch x hidden)},
   * row-major, as {@link RnnReference#step} computes them; for checking an exported model.
   */
  public float[][] step(int[] tokens, float[] hidden) {
    return passes.step(cell, weights, tokens, hidden);
  }

  /**
   * Copies of the current weights.
   *
   * @throws UnsupportedOperationException for the {@link #plainTanh} baseline, whose input matrix
   *     has no gate columns and so no {@link RnnWeights} layout
   */
  public RnnWeights weights() {
    if (!weights.gatedInput()) {
      throw new UnsupportedOperationException(
          "the plain tanh baseline has no RnnWeights layout; read its state() instead");
    }
    return copy(spec, weights);
  }

  /** Whether this is the {@link #plainTanh} baseline rather than a model of an ENAS cell. */
  public boolean isPlainTanh() {
    return !weights.gatedInput();
  }

  /** Number of trained values: embedding, bias, input matrix and one matrix per later node. */
  public long parameterCount() {
    long total = 0;
    for (Param p : weights.all()) {
      long size = 1;
      for (long d : p.shape()) {
        size *= d;
      }
      total += size;
    }
    return total;
  }

  /** Every tensor with its momentum buffer, as Java arrays: what a checkpoint stores. */
  public List<TensorState> state() {
    return store.state();
  }

  /**
   * Overwrites all tensors and momentum buffers from a {@link #state()} of a model of the same cell
   * and spec; nothing is written on any mismatch. The carried hidden states restart from zeros.
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

  static RnnWeights copy(RnnNetworkSpec spec, RnnCell.Weights w) {
    float[][] nodes = new float[w.nodeWeights().length][];
    for (int l = 1; l < nodes.length; l++) {
      nodes[l] = w.nodeWeights()[l].value().toFloatArray();
    }
    return new RnnWeights(
        spec.vocabulary(),
        spec.hidden(),
        w.embedding().value().toFloatArray(),
        w.decoderBias().value().toFloatArray(),
        w.inputWeight().value().toFloatArray(),
        nodes);
  }

  @Override
  public void close() {
    store.close();
  }
}
