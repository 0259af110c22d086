package dev.enas.train;

import dev.enas.spec.RetrainSpec;
import dev.enas.supernet.CosineSchedule;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.StepResult;

/**
 * What the two retrainings share, once: the learning rate of each step from the cosine schedule,
 * the run of non-finite steps, the epoch's sums, the steps per epoch, and the state between two
 * steps. {@link Retraining} and {@link RnnRetraining} train a minibatch, validate and test each
 * their own kind of network.
 */
abstract sealed class RetrainingLoop implements Retrainer permits Retraining, RnnRetraining {
  private final RetrainSpec retrain;
  private final CosineSchedule schedule;
  private final NonFiniteStreak nonFinite;
  private final boolean classifier;
  private final String batchName;
  private double lossSum;
  private double accuracySum;
  private int counted;
  private double validationFigure = Double.NaN;

  /**
   * @param classifier whether steps have an accuracy (a language model's state keeps NaN there)
   * @param batchName what a training minibatch is called in messages ("minibatches", "windows")
   */
  RetrainingLoop(RetrainSpec retrain, boolean classifier, String batchName) {
    this.retrain = retrain;
    this.schedule = Schedules.of(retrain.training());
    this.nonFinite = new NonFiniteStreak(retrain.training());
    this.classifier = classifier;
    this.batchName = batchName;
  }

  /** Trains one minibatch, the next of the training data, at learning rate {@code lr}. */
  abstract StepResult trainStep(double lr);

  /** Training minibatches in one pass over the training data. */
  abstract int batchesPerPass();

  /** Training minibatches read so far. */
  abstract long batchesRead();

  /** The validation figure of the network as trained so far. */
  abstract double validate();

  /** An epoch's progress event from its mean training figures (NaN without a step). */
  abstract SearchEvent.FinalTrainingProgress progress(
      int epoch, double meanLoss, double meanAccuracy, double validation);

  /** The network's weights and optimiser state. */
  abstract NetworkState networkState();

  /** Sets the network's weights and optimiser state. */
  abstract void restoreNetwork(NetworkState state);

  /** The validation figure of the last epoch that ended; NaN before the first. */
  final double validationFigure() {
    return validationFigure;
  }

  @Override
  public final int epochs() {
    return retrain.training().epochs();
  }

  @Override
  public final int stepsPerEpoch() {
    int perEpoch = retrain.training().stepsPerEpoch();
    return perEpoch > 0 ? perEpoch : Math.max(1, batchesPerPass());
  }

  @Override
  public final StepResult step(int epoch, int stepInEpoch) {
    double lr = schedule.at(epoch + (double) stepInEpoch / stepsPerEpoch());
    StepResult r = trainStep(lr);
    nonFinite.record(r);
    if (r.applied()) {
      lossSum += r.loss();
      accuracySum += r.accuracy();
      counted++;
    }
    return r;
  }

  /** Closes an epoch: the validation figure, and the epoch's mean training loss and accuracy. */
  @Override
  public final SearchEvent.FinalTrainingProgress endEpoch(int epoch) {
    validationFigure = validate();
    SearchEvent.FinalTrainingProgress progress =
        progress(
            epoch,
            counted == 0 ? Double.NaN : lossSum / counted,
            counted == 0 ? Double.NaN : accuracySum / counted,
            validationFigure);
    lossSum = 0;
    accuracySum = 0;
    counted = 0;
    return progress;
  }

  @Override
  public final Retrainer.State state() {
    return new Retrainer.State(
        networkState(),
        batchesRead(),
        lossSum,
        classifier ? accuracySum : Double.NaN,
        counted,
        nonFinite.inARow(),
        validationFigure);
  }

  @Override
  public final void restore(Retrainer.State state) {
    if (state.batches() != batchesRead()) {
      throw new IllegalArgumentException(
          "the state read "
              + state.batches()
              + " "
              + batchName
              + ", this retraining starts after "
              + batchesRead());
    }
    restoreNetwork(state.network());
    lossSum = state.lossSum();
    accuracySum = classifier ? state.accuracySum() : 0;
    counted = state.counted();
    nonFinite.restore(state.nonFiniteInARow());
    validationFigure = state.validationFigure();
  }
}
