package dev.enas.train;

import ai.djl.Device;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.StepResult;

/**
 * The shared weights of one search, whatever its space: what trains a sampled child on a minibatch
 * and what rewards a child on a validation minibatch. The convolutional spaces reward a child with
 * its accuracy; the recurrent-cell space with 80 / perplexity, as the paper does.
 *
 * <p>Owns native memory: one owner at a time, on one thread at a time; {@link #close()} frees it.
 */
public interface SharedModel extends AutoCloseable {

  /** Trains {@code child} on one minibatch, changing only the weights the child uses. */
  StepResult train(Architecture child, MiniBatch batch, double learningRate);

  /**
   * The child's reward on a validation minibatch. The recurrent model carries its evaluation hidden
   * state from one call to the next, as it does in training.
   */
  double reward(Architecture child, MiniBatch batch);

  /**
   * The child's reward on {@code batch} from a clean state, so that every child scored this way on
   * the same batch is compared on equal footing (derivation).
   */
  double fixedReward(Architecture child, MiniBatch batch);

  /** The figure a reward stands for: accuracy, or the perplexity the recurrent reward encodes. */
  double metricOf(double reward);

  /**
   * The shared weights with their momentum and statistics, the dropout generator and any carried
   * hidden states: what continues the search exactly. Taken between steps.
   */
  NetworkState snapshot();

  /** Continues from a {@link #snapshot()} of a model built from the same spec and data. */
  void restore(NetworkState state);

  /** The device the shared weights and every pass over them are on. */
  Device device();

  @Override
  void close();

  /** The validation perplexity a recurrent child's reward (80 / perplexity) stands for. */
  static double perplexityOf(double rnnReward) {
    return RnnSharedModel.REWARD_CONSTANT / rnnReward;
  }

  /** A convolutional supernet as a shared model; the model owns it from now on. */
  static SharedModel of(dev.enas.supernet.Supernet supernet) {
    return new ImageSharedModel(supernet);
  }

  /** The shared model a spec's space calls for, built on the calling thread. */
  static SharedModel create(SearchSpec spec, SearchData data) {
    return create(spec, data, null);
  }

  /** As {@link #create(SearchSpec, SearchData)}, on {@code device} (null: the default). */
  static SharedModel create(SearchSpec spec, SearchData data, Device device) {
    return data.isText()
        ? RnnSharedModel.create(spec, data, device)
        : ImageSharedModel.create(spec, data, device);
  }
}
