package dev.enas.train;

import ai.djl.Device;
import dev.enas.data.Augmentation;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.data.ImageDataset;
import dev.enas.data.ImageTransform;
import dev.enas.space.Architecture;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.StandaloneNetwork;
import dev.enas.supernet.StepResult;
import java.util.function.Consumer;

/**
 * Retraining the derived child from scratch as a standalone network, at the depth and width of the
 * spec's {@code retrain} section: cosine schedule with warm restarts, augmentation with optional
 * cutout, validation accuracy after every epoch and test accuracy once at the end. The test set is
 * read here and nowhere else.
 *
 * <p>Driven a step at a time ({@link #step}, {@link #endEpoch}, {@link #test}) so that a scheduler
 * can interleave other searches between steps; {@link #run} drives it to the end in one call. Owns
 * the network and its batch iterator, released by {@link #close()}.
 */
public final class Retraining extends RetrainingLoop {
  private final SearchData data;
  private final RetrainSpec retrain;
  private final StandaloneNetwork network;
  private final BatchIterator batches;

  /**
   * The retrained network's figures: accuracies for an image classifier, perplexities for a
   * language model; the figures that do not apply are NaN.
   */
  public record Result(
      double testAccuracy,
      double validationAccuracy,
      long parameters,
      double testPerplexity,
      double validationPerplexity) {
    /** An image classifier's figures. */
    public Result(double testAccuracy, double validationAccuracy, long parameters) {
      this(testAccuracy, validationAccuracy, parameters, Double.NaN, Double.NaN);
    }

    /** A language model's figures. */
    public static Result perplexities(double test, double validation, long parameters) {
      return new Result(Double.NaN, Double.NaN, parameters, test, validation);
    }
  }

  public Retraining(Architecture architecture, SearchData data, SearchSpec spec) {
    this(architecture, data, spec, 0, null);
  }

  /** A retraining whose network lives and trains on {@code device} (null: the default). */
  public Retraining(Architecture architecture, SearchData data, SearchSpec spec, Device device) {
    this(architecture, data, spec, 0, device);
  }

  /** A retraining whose training minibatches start after the first {@code startBatch}. */
  Retraining(
      Architecture architecture, SearchData data, SearchSpec spec, long startBatch, Device device) {
    super(spec.retrain(), true, "minibatches");
    this.data = data;
    this.retrain = spec.retrain();
    Augmentation base = data.augmentation();
    ImageTransform augmentation =
        new Augmentation(base.padding(), base.horizontalFlip(), retrain.cutout());
    this.network =
        StandaloneNetwork.create(
            architecture,
            Networks.retrainNetwork(spec, data, architecture),
            Networks.sgd(retrain.training()),
            spec.seed() + 17,
            device);
    try {
      this.batches =
          BatchIterator.builder(data.train(), retrain.network().batchSize(), data.normalization())
              .seed(spec.seed() + 17)
              .endless()
              .dropLast(true)
              .augmentation(augmentation)
              .startAt(startBatch)
              .build();
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** Runs the whole retraining; {@code onTrained} sees the network before it is closed. */
  public static Result run(
      Architecture architecture,
      SearchData data,
      SearchSpec spec,
      Consumer<SearchEvent> events,
      Runnable checkpoint,
      Consumer<StandaloneNetwork> onTrained) {
    try (Retraining r = new Retraining(architecture, data, spec)) {
      Result result = r.runToEnd(checkpoint, events::accept);
      onTrained.accept(r.network());
      return result;
    }
  }

  /** As {@link #run(Architecture, SearchData, SearchSpec, Consumer, Runnable, Consumer)}. */
  public static Result run(
      Architecture architecture,
      SearchData data,
      SearchSpec spec,
      Consumer<SearchEvent> events,
      Runnable checkpoint) {
    return run(architecture, data, spec, events, checkpoint, network -> {});
  }

  @Override
  StepResult trainStep(double lr) {
    Batch batch = batches.next();
    return network.trainStep(batch.images(), batch.labels(), lr);
  }

  @Override
  int batchesPerPass() {
    return batches.batchesPerEpoch();
  }

  @Override
  long batchesRead() {
    return batches.position();
  }

  @Override
  double validate() {
    return accuracy(data.validation());
  }

  @Override
  SearchEvent.FinalTrainingProgress progress(
      int epoch, double meanLoss, double meanAccuracy, double validation) {
    return new SearchEvent.FinalTrainingProgress(
        epoch, epochs(), meanLoss, meanAccuracy, validation);
  }

  @Override
  NetworkState networkState() {
    return network.snapshot();
  }

  @Override
  void restoreNetwork(NetworkState state) {
    network.restore(state);
  }

  /** The test accuracy of the network as trained so far, with its size. */
  @Override
  public Result test() {
    return new Result(accuracy(data.test()), validationFigure(), network.trainableParameterCount());
  }

  /** The network being retrained; owned by this object. */
  public StandaloneNetwork network() {
    return network;
  }

  /** Accuracy over a whole dataset with running batch-norm statistics. */
  private double accuracy(ImageDataset dataset) {
    long correct = 0;
    try (BatchIterator it =
        BatchIterator.builder(dataset, retrain.network().batchSize(), data.normalization())
            .shuffle(false)
            .build()) {
      while (it.hasNext()) {
        Batch b = it.next();
        correct += Math.round(network.evaluate(b.images(), b.labels()) * b.size());
      }
    }
    return (double) correct / dataset.size();
  }

  @Override
  public void close() {
    try {
      batches.close();
    } finally {
      network.close();
    }
  }
}
