package dev.enas.train;

import ai.djl.Device;
import dev.enas.data.MiniBatch;
import dev.enas.data.TokenBatch;
import dev.enas.space.Architecture;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.RnnSupernet;
import dev.enas.supernet.StepResult;

/**
 * The rnn space's shared model: the {@link RnnSupernet}. A child's reward is 80 / its perplexity on
 * a validation window, the paper's reward for language models.
 */
final class RnnSharedModel implements SharedModel {
  /** The numerator of the paper's reward, c / perplexity. */
  static final double REWARD_CONSTANT = 80;

  private final RnnSupernet supernet;

  private RnnSharedModel(RnnSupernet supernet) {
    this.supernet = supernet;
  }

  static RnnSharedModel create(SearchSpec spec, SearchData data, Device device) {
    return new RnnSharedModel(
        RnnSupernet.create(
            (RnnSpace) spec.space().toSearchSpace(),
            Networks.rnnNetwork(spec.child(), spec.languageModel(), data),
            Networks.sgd(spec.shared()),
            spec.seed(),
            device));
  }

  @Override
  public Device device() {
    return supernet.device();
  }

  @Override
  public StepResult train(Architecture child, MiniBatch batch, double learningRate) {
    return supernet.trainStep(cell(child), text(batch), learningRate);
  }

  @Override
  public double reward(Architecture child, MiniBatch batch) {
    return REWARD_CONSTANT / supernet.evaluate(cell(child), text(batch));
  }

  @Override
  public double fixedReward(Architecture child, MiniBatch batch) {
    return REWARD_CONSTANT / supernet.evaluateFromZero(cell(child), text(batch));
  }

  @Override
  public double metricOf(double reward) {
    return REWARD_CONSTANT / reward;
  }

  private static RnnArchitecture cell(Architecture child) {
    if (child instanceof RnnArchitecture cell) {
      return cell;
    }
    throw new IllegalArgumentException(
        "the recurrent supernet trains rnn cells, got "
            + child.space().kind()
            + " architecture "
            + child.encode());
  }

  private static TokenBatch text(MiniBatch batch) {
    if (batch instanceof TokenBatch b) {
      return b;
    }
    throw new IllegalArgumentException(
        "the recurrent supernet trains on text windows, got "
            + (batch == null ? "null" : batch.getClass().getSimpleName()));
  }

  @Override
  public NetworkState snapshot() {
    return supernet.snapshot();
  }

  @Override
  public void restore(NetworkState state) {
    supernet.restore(state);
  }

  @Override
  public void close() {
    supernet.close();
  }
}
