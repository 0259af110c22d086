package dev.enas.train;

import ai.djl.Device;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.StepResult;
import java.util.function.Consumer;

/**
 * Retraining the derived child from scratch, a step at a time so that a scheduler can interleave
 * other work between steps: {@link Retraining} for the convolutional spaces, {@link RnnRetraining}
 * for the recurrent-cell space. Owns its network and data readers until {@link #close()}.
 */
public interface Retrainer extends AutoCloseable {

  /** The retrainer a spec's space calls for. */
  static Retrainer create(Architecture architecture, SearchData data, SearchSpec spec) {
    return create(architecture, data, spec, null);
  }

  /** As {@link #create(Architecture, SearchData, SearchSpec)}, training on {@code device}. */
  static Retrainer create(
      Architecture architecture, SearchData data, SearchSpec spec, Device device) {
    return data.isText()
        ? new RnnRetraining(architecture, data, spec, 0, device)
        : new Retraining(architecture, data, spec, 0, device);
  }

  /**
   * A retrainer that continues exactly from {@code state}, a {@link #state()} of one created with
   * the same architecture, data and spec.
   */
  static Retrainer resume(
      Architecture architecture, SearchData data, SearchSpec spec, State state) {
    return resume(architecture, data, spec, state, null);
  }

  /** As {@link #resume(Architecture, SearchData, SearchSpec, State)}, on {@code device}. */
  static Retrainer resume(
      Architecture architecture, SearchData data, SearchSpec spec, State state, Device device) {
    Retrainer r =
        data.isText()
            ? new RnnRetraining(architecture, data, spec, state.batches(), device)
            : new Retraining(architecture, data, spec, state.batches(), device);
    try {
      r.restore(state);
      return r;
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
  }

  /**
   * Where a retraining stands between two steps, as plain values: the network, minibatches read,
   * the current epoch's sums, the run of non-finite steps, and the last validation figure
   * (accuracy, or perplexity for a language model; NaN before the first epoch ended).
   */
  record State(
      NetworkState network,
      long batches,
      double lossSum,
      double accuracySum,
      int counted,
      int nonFiniteInARow,
      double validationFigure) {}

  /** Where this retraining stands; valid between steps. */
  State state();

  /** Sets the network and the counters from a {@link #state()}; the data position is built in. */
  void restore(State state);

  int epochs();

  int stepsPerEpoch();

  /**
   * Trains one minibatch.
   *
   * @throws IllegalStateException after {@code retrain.training.maxNonFiniteSteps} steps in a row
   *     with a NaN or infinite loss
   */
  StepResult step(int epoch, int stepInEpoch);

  /** Closes an epoch with its validation figure and its mean training figures. */
  SearchEvent.FinalTrainingProgress endEpoch(int epoch);

  /** The test figure of the network as trained so far, with its size. */
  Retraining.Result test();

  /**
   * Runs every epoch's steps, then the test: the retraining loop that the search loop and the
   * benchmarks share, so a baseline trained through it gets exactly a derived child's budget.
   *
   * @param beforeEachStep runs before every step, for instance to check for cancellation; it may
   *     throw to stop
   * @param afterEachEpoch receives each epoch's progress
   */
  default Retraining.Result runToEnd(
      Runnable beforeEachStep, Consumer<SearchEvent.FinalTrainingProgress> afterEachEpoch) {
    for (int epoch = 0; epoch < epochs(); epoch++) {
      for (int s = 0; s < stepsPerEpoch(); s++) {
        beforeEachStep.run();
        step(epoch, s);
      }
      afterEachEpoch.accept(endEpoch(epoch));
    }
    return test();
  }

  @Override
  void close();
}
