package dev.enas.train;

import dev.enas.data.Augmentation;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.data.ImageDataset;
import dev.enas.data.ImageTransform;
import dev.enas.space.Architecture;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.CosineSchedule;
import dev.enas.supernet.StandaloneNetwork;
import dev.enas.supernet.StepResult;
import java.util.function.Consumer;

/**
 * Retraining the derived child from scratch as a standalone network, at the depth and width of the
 * spec's {@code retrain} section: cosine schedule with warm restarts, augmentation with optional
 * cutout, validation accuracy after every epoch and test accuracy once at the end. The test set is
 * read here and nowhere else.
 */
public final class Retraining {
  private Retraining() {}

  /** The retrained network's figures. */
  public record Result(double testAccuracy, double validationAccuracy, long parameters) {}

  /**
   * Trains and evaluates; {@code onTrained} sees the network before it is closed (for export).
   *
   * @param checkpoint called between steps, so a caller can cancel
   */
  public static Result run(Architecture architecture, SearchData data, SearchSpec spec,
      Consumer<SearchEvent> events, Runnable checkpoint) {
    return run(architecture, data, spec, events, checkpoint, network -> { });
  }

  /** As {@link #run(Architecture, SearchData, SearchSpec, Consumer, Runnable)}, with a hook. */
  public static Result run(Architecture architecture, SearchData data, SearchSpec spec,
      Consumer<SearchEvent> events, Runnable checkpoint, Consumer<StandaloneNetwork> onTrained) {
    RetrainSpec retrain = spec.retrain();
    CosineSchedule schedule = Schedules.of(retrain.training());
    Augmentation base = data.augmentation();
    ImageTransform augmentation =
        new Augmentation(base.padding(), base.horizontalFlip(), retrain.cutout());
    try (StandaloneNetwork network = StandaloneNetwork.create(architecture,
            Networks.retrainNetwork(spec, data, architecture), Networks.sgd(retrain.training()),
            spec.seed() + 17);
        BatchIterator batches = BatchIterator.builder(data.train(), retrain.network().batchSize(),
                data.normalization())
            .seed(spec.seed() + 17)
            .endless()
            .dropLast(true)
            .augmentation(augmentation)
            .build()) {
      int epochs = retrain.training().epochs();
      int perEpoch = retrain.training().stepsPerEpoch() > 0
          ? retrain.training().stepsPerEpoch()
          : Math.max(1, batches.batchesPerEpoch());
      double validation = Double.NaN;
      int nonFiniteInARow = 0;
      for (int epoch = 0; epoch < epochs; epoch++) {
        double lossSum = 0;
        double accuracySum = 0;
        int counted = 0;
        for (int s = 0; s < perEpoch; s++) {
          checkpoint.run();
          Batch batch = batches.next();
          double lr = schedule.at(epoch + (double) s / perEpoch);
          StepResult r = network.trainStep(batch.images(), batch.labels(), lr);
          if (r.applied()) {
            nonFiniteInARow = 0;
            lossSum += r.loss();
            accuracySum += r.accuracy();
            counted++;
          } else if (++nonFiniteInARow >= retrain.training().maxNonFiniteSteps()) {
            throw new IllegalStateException(nonFiniteInARow
                + " retraining steps in a row had a NaN or infinite loss (retrain.training."
                + "maxNonFiniteSteps is " + retrain.training().maxNonFiniteSteps() + ")");
          }
        }
        validation = accuracy(network, data.validation(), data, retrain);
        events.accept(new SearchEvent.FinalTrainingProgress(epoch, epochs,
            counted == 0 ? Double.NaN : lossSum / counted,
            counted == 0 ? Double.NaN : accuracySum / counted, validation));
      }
      double test = accuracy(network, data.test(), data, retrain);
      onTrained.accept(network);
      return new Result(test, validation, parameterCount(network));
    }
  }

  /** Accuracy over a whole dataset with running batch-norm statistics. */
  static double accuracy(
      StandaloneNetwork network, ImageDataset dataset, SearchData data, RetrainSpec retrain) {
    long correct = 0;
    try (BatchIterator it = BatchIterator.builder(dataset, retrain.network().batchSize(),
        data.normalization()).shuffle(false).build()) {
      while (it.hasNext()) {
        Batch b = it.next();
        correct += Math.round(network.evaluate(b.images(), b.labels()) * b.size());
      }
    }
    return (double) correct / dataset.size();
  }

  static long parameterCount(StandaloneNetwork network) {
    long total = 0;
    for (var entry : network.parameterShapes().entrySet()) {
      if (entry.getKey().contains("running")) {
        continue;
      }
      long size = 1;
      for (long d : entry.getValue()) {
        size *= d;
      }
      total += size;
    }
    return total;
  }
}
