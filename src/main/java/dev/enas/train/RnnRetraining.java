package dev.enas.train;

import ai.djl.Device;
import dev.enas.data.TextBatcher;
import dev.enas.data.TextCorpus;
import dev.enas.data.TokenBatch;
import dev.enas.space.Architecture;
import dev.enas.space.RnnArchitecture;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.RnnLanguageModel;
import dev.enas.supernet.RnnNetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StepResult;

/**
 * Retraining the derived recurrent cell from scratch as a language model of its own, at the hidden
 * size of {@code retrain.network.channels}: consecutive BPTT windows of the training file with the
 * hidden state carried, validation perplexity after every epoch and test perplexity once at the
 * end, each over the whole file one sequence at a time as language-model papers report it. The test
 * file is read here and nowhere else. {@link #plainTanh} retrains the fixed plain tanh baseline
 * through the same steps, so the two can be compared at one budget.
 *
 * <p>Owns the model, released by {@link #close()}.
 */
public final class RnnRetraining extends RetrainingLoop {
  /** Sequences per window when a whole file is scored: one, so that no token is left out. */
  private static final int EVALUATION_BATCH = 1;

  private final TextCorpus corpus;
  private final int bpttSteps;
  private final RnnLanguageModel model;
  private final TextBatcher batches;

  /** Builds the model a retraining trains, from the spec's network, optimiser and seed. */
  @FunctionalInterface
  private interface ModelFactory {
    RnnLanguageModel create(RnnNetworkSpec network, SgdSettings sgd, long seed);
  }

  public RnnRetraining(Architecture architecture, SearchData data, SearchSpec spec) {
    this(modelOf(architecture, null), data, spec, 0);
  }

  /**
   * A retraining whose training windows start after the first {@code startWindow}, with the model
   * on {@code device} (null: the default).
   */
  RnnRetraining(
      Architecture architecture,
      SearchData data,
      SearchSpec spec,
      long startWindow,
      Device device) {
    this(modelOf(architecture, device), data, spec, startWindow);
  }

  private RnnRetraining(ModelFactory factory, SearchData data, SearchSpec spec, long startWindow) {
    super(spec.retrain(), false, "windows");
    RetrainSpec retrain = spec.retrain();
    this.corpus = data.corpus();
    this.bpttSteps = spec.languageModel().bpttSteps();
    this.batches =
        TextBatcher.builder(
                corpus, TextCorpus.Split.TRAIN, retrain.network().batchSize(), bpttSteps)
            .fieldNames("retrain.network.batchSize", "languageModel.bpttSteps")
            .endless()
            .startAt(startWindow)
            .build();
    this.model =
        factory.create(
            Networks.rnnNetwork(retrain.network(), spec.languageModel(), data),
            Networks.sgd(retrain.training()),
            spec.seed() + 17);
  }

  /**
   * The fixed baseline a derived cell is compared with: {@link RnnLanguageModel#plainTanh}
   * retrained by this class exactly as a derived cell is, with the same windows, hidden size,
   * dropouts, optimiser, learning-rate schedule, epochs, steps and seed.
   */
  public static RnnRetraining plainTanh(SearchData data, SearchSpec spec) {
    return new RnnRetraining(RnnLanguageModel::plainTanh, data, spec, 0);
  }

  private static ModelFactory modelOf(Architecture architecture, Device device) {
    if (!(architecture instanceof RnnArchitecture cell)) {
      throw new IllegalArgumentException(
          "a language model is built from an rnn cell, got " + architecture.encode());
    }
    return (network, sgd, seed) -> RnnLanguageModel.create(cell, network, sgd, seed, device);
  }

  @Override
  StepResult trainStep(double lr) {
    TokenBatch batch = batches.next();
    return model.trainStep(batch, lr);
  }

  @Override
  int batchesPerPass() {
    return batches.windowsPerPass();
  }

  @Override
  long batchesRead() {
    return batches.position();
  }

  @Override
  double validate() {
    return model.perplexity(corpus.validation(), EVALUATION_BATCH, bpttSteps);
  }

  @Override
  SearchEvent.FinalTrainingProgress progress(
      int epoch, double meanLoss, double meanAccuracy, double validation) {
    // A language model has no accuracy: its figure is the validation perplexity.
    return new SearchEvent.FinalTrainingProgress(
        epoch, epochs(), meanLoss, Double.NaN, Double.NaN, validation);
  }

  @Override
  NetworkState networkState() {
    return model.snapshot();
  }

  @Override
  void restoreNetwork(NetworkState state) {
    model.restore(state);
  }

  @Override
  public Retraining.Result test() {
    return Retraining.Result.perplexities(
        model.perplexity(corpus.test(), EVALUATION_BATCH, bpttSteps),
        validationFigure(),
        model.parameterCount());
  }

  /** The language model being retrained; owned by this object. */
  public RnnLanguageModel model() {
    return model;
  }

  @Override
  public void close() {
    model.close();
  }
}
