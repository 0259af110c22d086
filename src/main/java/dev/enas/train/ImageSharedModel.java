package dev.enas.train;

import ai.djl.Device;
import dev.enas.data.Batch;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.StepResult;
import dev.enas.supernet.Supernet;

/**
 * The convolutional spaces' shared model: the {@link Supernet}; a child's reward is its accuracy.
 */
final class ImageSharedModel implements SharedModel {
  private final Supernet supernet;

  ImageSharedModel(Supernet supernet) {
    this.supernet = supernet;
  }

  static ImageSharedModel create(SearchSpec spec, SearchData data, Device device) {
    return new ImageSharedModel(
        Supernet.create(
            spec.space().toSearchSpace(),
            Networks.searchNetwork(spec, data),
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
    Batch b = images(batch);
    return supernet.trainStep(child, b.images(), b.labels(), learningRate);
  }

  @Override
  public double reward(Architecture child, MiniBatch batch) {
    Batch b = images(batch);
    return supernet.evaluate(child, b.images(), b.labels());
  }

  @Override
  public double fixedReward(Architecture child, MiniBatch batch) {
    return reward(child, batch);
  }

  @Override
  public double metricOf(double reward) {
    return reward;
  }

  private static Batch images(MiniBatch batch) {
    if (batch instanceof Batch b) {
      return b;
    }
    throw new IllegalArgumentException(
        "the convolutional supernet trains on image batches, got "
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
