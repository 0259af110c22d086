package dev.enas.train;

import dev.enas.data.TextBatcher;
import dev.enas.data.TextCorpus;
import dev.enas.data.TokenBatch;
import dev.enas.space.Architecture;
import dev.enas.space.RnnArchitecture;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.CosineSchedule;
import dev.enas.supernet.RnnLanguageModel;
import dev.enas.supernet.RnnNetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StepResult;

/**
 * Retraining the derived recurrent cell from scratch as a language model of its own, at the hidden
 * size of {@code retrain.network.channels}: consecutive BPTT windows of the training file with the
 * hidden state carried, validation perplexity after every epoch and test perplexity once at the
 * end, each over the whole file one sequence at a time as language-model papers report it. The
 * test file is read here and nowhere else. {@link #plainTanh} retrains the fixed plain tanh
 * baseline through the same steps, so the two can be compared at one budget.
 *
 * <p>Owns the model, released by {@link #close()}.
 */
public final class RnnRetraining implements Retrainer {
  /** Sequences per window when a whole file is scored: one, so that no token is left out. */
  private static final int EVALUATION_BATCH = 1;

  private final TextCorpus corpus;
  private final RetrainSpec retrain;
  private final int bpttSteps;
  private final CosineSchedule schedule;
  private final RnnLanguageModel model;
  private final TextBatcher batches;
  private final int stepsPerEpoch;
  private double lossSum;
  private int counted;
  private final NonFiniteStreak nonFinite;
  private double validationPerplexity = Double.NaN;

  /** Builds the model a retraining trains, from the spec's network, optimiser and seed. */
  @FunctionalInterface
  private interface ModelFactory {
    RnnLanguageModel create(RnnNetworkSpec network, SgdSettings sgd, long seed);
  }

  public RnnRetraining(Architecture architecture, SearchData data, SearchSpec spec) {
    this(modelOf(architecture), data, spec, 0);
  }

  /** A retraining whose training windows start after the first {@code startWindow}. */
  RnnRetraining(Architecture architecture, SearchData data, SearchSpec spec, long startWindow) {
    this(modelOf(architecture), data, spec, startWindow);
  }

  private RnnRetraining(ModelFactory factory, SearchData data, SearchSpec spec,
      long startWindow) {
    this.corpus = data.corpus();
    this.retrain = spec.retrain();
    this.bpttSteps = spec.languageModel().bpttSteps();
    this.schedule = Schedules.of(retrain.training());
    this.nonFinite = new NonFiniteStreak(retrain.training());
    this.batches = TextBatcher.builder(corpus, TextCorpus.Split.TRAIN,
            retrain.network().batchSize(), bpttSteps)
        .fieldNames("retrain.network.batchSize", "languageModel.bpttSteps")
        .endless()
        .startAt(startWindow)
        .build();
    this.model = factory.create(
        Networks.rnnNetwork(retrain.network(), spec.languageModel(), data),
        Networks.sgd(retrain.training()), spec.seed() + 17);
    int perEpoch = retrain.training().stepsPerEpoch();
    this.stepsPerEpoch = perEpoch > 0 ? perEpoch : Math.max(1, batches.windowsPerPass());
  }

  /**
   * The fixed baseline a derived cell is compared with: {@link RnnLanguageModel#plainTanh}
   * retrained by this class exactly as a derived cell is, with the same windows, hidden size,
   * dropouts, optimiser, learning-rate schedule, epochs, steps and seed.
   */
  public static RnnRetraining plainTanh(SearchData data, SearchSpec spec) {
    return new RnnRetraining(RnnLanguageModel::plainTanh, data, spec, 0);
  }

  private static ModelFactory modelOf(Architecture architecture) {
    if (!(architecture instanceof RnnArchitecture cell)) {
      throw new IllegalArgumentException("a language model is built from an rnn cell, got "
          + architecture.encode());
    }
    return (network, sgd, seed) -> RnnLanguageModel.create(cell, network, sgd, seed);
  }

  @Override
  public int epochs() {
    return retrain.training().epochs();
  }

  @Override
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  @Override
  public StepResult step(int epoch, int stepInEpoch) {
    TokenBatch batch = batches.next();
    double lr = schedule.at(epoch + (double) stepInEpoch / stepsPerEpoch);
    StepResult r = model.trainStep(batch, lr);
    nonFinite.record(r);
    if (r.applied()) {
      lossSum += r.loss();
      counted++;
    }
    return r;
  }

  @Override
  public SearchEvent.FinalTrainingProgress endEpoch(int epoch) {
    validationPerplexity = model.perplexity(corpus.validation(), EVALUATION_BATCH, bpttSteps);
    SearchEvent.FinalTrainingProgress progress = new SearchEvent.FinalTrainingProgress(epoch,
        epochs(), counted == 0 ? Double.NaN : lossSum / counted, Double.NaN, Double.NaN,
        validationPerplexity);
    lossSum = 0;
    counted = 0;
    return progress;
  }

  @Override
  public Retraining.Result test() {
    return Retraining.Result.perplexities(
        model.perplexity(corpus.test(), EVALUATION_BATCH, bpttSteps), validationPerplexity,
        model.parameterCount());
  }

  @Override
  public Retrainer.State state() {
    return new Retrainer.State(model.snapshot(), batches.position(), lossSum, Double.NaN,
        counted, nonFinite.inARow(), validationPerplexity);
  }

  @Override
  public void restore(Retrainer.State state) {
    if (state.batches() != batches.position()) {
      throw new IllegalArgumentException("the state read " + state.batches()
          + " windows, this retraining starts after " + batches.position());
    }
    model.restore(state.network());
    lossSum = state.lossSum();
    counted = state.counted();
    nonFinite.restore(state.nonFiniteInARow());
    validationPerplexity = state.validationFigure();
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
