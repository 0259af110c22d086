package dev.enas.bench;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.EmbeddedData;
import dev.enas.data.TextBatcher;
import dev.enas.data.TextCorpus;
import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import dev.enas.spec.ControllerSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.RnnNetworkSpec;
import dev.enas.supernet.RnnSupernet;
import dev.enas.supernet.SgdSettings;
import dev.enas.train.Phase;
import dev.enas.train.Retraining;
import dev.enas.train.RnnRetraining;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import java.io.IOException;

/** Benchmarks of the recurrent-cell space: the shared step's cost, and a searched cell's worth. */
final class RnnBench {
  /** Retraining learning rates of the check, as fractions of the spec's (20 in the demo). */
  private static final double[] CHECK_FACTORS = {0.25, 0.1, 0.05};

  private RnnBench() {}

  /**
   * Milliseconds per shared-weight step of the paper's PTB setting on the embedded sonnets: a
   * 12-node cell sampled anew every step, hidden size 200, batch 64, BPTT 35, plain SGD at learning
   * rate 20 with clipping 0.25 and the default dropouts. Median over 30 steps after 5.
   */
  static Bench.Result step() {
    TextCorpus corpus = EmbeddedData.sonnets();
    RnnSpace space = new RnnSpace(12);
    Controller controller = Controllers.create(space, ControllerSpec.rnnDefaults(), 1);
    RnnNetworkSpec spec = new RnnNetworkSpec(corpus.vocabulary().size(), 200, 0.1f, 0.2f, 0.25f);
    TextBatcher batches =
        TextBatcher.builder(corpus, TextCorpus.Split.TRAIN, 64, 35).endless().build();
    int warmup = 5;
    int runs = 30;
    double[] millis = new double[runs];
    try (RnnSupernet supernet =
        RnnSupernet.create(space, spec, new SgdSettings(0, 1e-7, 0.25), 1)) {
      for (int i = 0; i < warmup + runs; i++) {
        RnnArchitecture child = (RnnArchitecture) controller.sample().architecture();
        TokenBatch batch = batches.next();
        long t0 = System.nanoTime();
        supernet.trainStep(child, batch, 20);
        long t1 = System.nanoTime();
        if (i >= warmup) {
          millis[i - warmup] = (t1 - t0) / 1e6;
        }
      }
    }
    System.out.printf(
        "vocabulary %d, hidden 200, batch 64, BPTT 35, 12 nodes%n", spec.vocabulary());
    System.out.println("shared-weight step: " + Timing.summary(millis));
    return new Bench.Result(Timing.percentile(millis, 50), "ms per shared-weight step (median)");
  }

  /**
   * The README's rnn demo search (seed 1) derives a cell and retrains it; the same retraining loop,
   * budget, hidden size and seed then train a plain tanh recurrent cell, h_t = tanh(x_t W_x +
   * h_{t-1} W_h) (no bias, no gate), in the same language model. Both test perplexities are printed
   * side by side with their validation curves, sizes and wall times; the headline is the derived
   * cell's test perplexity divided by the plain cell's (below 1: the searched cell is better). A
   * learning-rate check then retrains both at lower rates, since a plain tanh cell need not
   * tolerate the rate the searched cells are trained at.
   */
  static Bench.Result versusFixedCell() throws IOException {
    SearchSpec spec = SearchSpec.rnnDemo();
    RetrainSpec retrain = spec.retrain();
    System.out.printf(
        "spec: rnnDemo, seed %d, %d-node cells, search hidden %d for %d epochs;"
            + " retraining at hidden %d, batch %d, BPTT %d, %d epochs, lr %.3g to %.3g, clip %.3g%n",
        spec.seed(),
        spec.space().nodes(),
        spec.child().channels(),
        spec.shared().epochs(),
        retrain.network().channels(),
        retrain.network().batchSize(),
        spec.languageModel().bpttSteps(),
        retrain.training().epochs(),
        retrain.training().learningRateMax(),
        retrain.training().learningRateMin(),
        retrain.training().gradientClip());

    long searchStart = System.nanoTime();
    long[] retrainStart = {0};
    long[] parameters = {0};
    SearchResult searched =
        new SearchLoop(
                spec,
                event -> {
                  if (event instanceof SearchEvent.PhaseChanged p
                      && p.phase() == Phase.FINAL_TRAINING) {
                    retrainStart[0] = System.nanoTime();
                  } else if (event instanceof SearchEvent.EpochFinished e) {
                    System.out.printf(
                        "search epoch %d/%d: mean shared loss %.3f, best %s (reward %.3f),"
                            + " %.0f s%n",
                        e.epoch() + 1,
                        e.epochs(),
                        e.meanTrainLoss(),
                        e.bestArchitecture(),
                        e.bestReward(),
                        e.seconds());
                  } else if (event instanceof SearchEvent.Derived d) {
                    System.out.println("derived from " + d.sampled() + " samples, top: " + d.top());
                  } else if (event instanceof SearchEvent.FinalTrainingProgress f) {
                    printEpoch("derived", f);
                  } else if (event instanceof SearchEvent.Finished f) {
                    parameters[0] = f.parameters();
                  }
                },
                () -> false)
            .run();
    if (searched.phase() != Phase.SUCCEEDED) {
      throw new IllegalStateException("search failed: " + searched.reason());
    }
    long searchEnd = System.nanoTime();

    long plainStart = System.nanoTime();
    Retraining.Result plain = PlainTanhBaseline.train(spec, f -> printEpoch("plain tanh", f));
    long plainEnd = System.nanoTime();

    double derived = searched.testPerplexity();
    System.out.printf(
        "derived cell %s: test perplexity %.2f, %,d parameters;"
            + " search %.0f s, retraining %.0f s%n",
        searched.architecture(),
        derived,
        parameters[0],
        (retrainStart[0] - searchStart) / 1e9,
        (searchEnd - retrainStart[0]) / 1e9);
    System.out.printf(
        "plain tanh cell, hidden %d, same retraining: test perplexity %.2f,"
            + " %,d parameters; retraining %.0f s%n",
        retrain.network().channels(),
        plain.testPerplexity(),
        plain.parameters(),
        (plainEnd - plainStart) / 1e9);
    System.out.printf(
        "%s%n",
        derived < plain.testPerplexity()
            ? "the derived cell beats the plain tanh cell"
            : "the derived cell does NOT beat the plain tanh cell");
    SearchData data = SearchData.load(spec);
    int vocabulary = data.corpus().vocabulary().size();
    if (plain.testPerplexity() > vocabulary) {
      System.out.printf(
          "the plain tanh cell ends worse than a uniform guess over the %,d words:"
              + " it diverged at the spec's learning rate%n",
          vocabulary);
    }
    learningRateCheck(spec, data, RnnSpace.parseAnySize(searched.architecture()));
    return new Bench.Result(
        derived / plain.testPerplexity(),
        String.format(
            "test perplexity ratio, derived / plain tanh (derived %.2f, plain %.2f)",
            derived, plain.testPerplexity()));
  }

  /**
   * Retrains both cells again at lower learning rates, with everything else as the spec sets it, so
   * a reader can tell a gap that comes from the cell from one that comes from the rate. Only
   * printed: the headline keeps the one budget the search used.
   */
  private static void learningRateCheck(SearchSpec spec, SearchData data, RnnArchitecture cell)
      throws IOException {
    System.out.println(
        "learning-rate check (the same loop and budget with only the retraining"
            + " learning rate scaled; not the headline):");
    for (double factor : CHECK_FACTORS) {
      SearchSpec scaled = withRetrainingRate(spec, factor);
      long start = System.nanoTime();
      double derived;
      try (RnnRetraining retraining = new RnnRetraining(cell, data, scaled)) {
        derived = retraining.runToEnd(() -> {}, f -> {}).testPerplexity();
      }
      long middle = System.nanoTime();
      double plain = PlainTanhBaseline.testPerplexity(scaled);
      long end = System.nanoTime();
      System.out.printf(
          "  lr %.3g: derived test perplexity %.2f (%.0f s), plain tanh %.2f" + " (%.0f s)%n",
          scaled.retrain().training().learningRateMax(),
          derived,
          (middle - start) / 1e9,
          plain,
          (end - middle) / 1e9);
    }
  }

  /** The spec with its retraining learning rates (both ends of the schedule) times factor. */
  private static SearchSpec withRetrainingRate(SearchSpec spec, double factor) {
    RetrainSpec retrain = spec.retrain();
    TrainingSpec t = retrain.training();
    TrainingSpec scaled =
        new TrainingSpec(
            t.epochs(),
            t.stepsPerEpoch(),
            t.learningRateMax() * factor,
            t.learningRateMin() * factor,
            t.restartPeriod(),
            t.restartMultiplier(),
            t.momentum(),
            t.weightDecay(),
            t.gradientClip(),
            t.maxNonFiniteSteps());
    return new SearchSpec(
        spec.space(),
        spec.data(),
        spec.child(),
        spec.shared(),
        spec.controller(),
        spec.derive(),
        new RetrainSpec(retrain.network(), scaled, retrain.cutout()),
        spec.seed(),
        spec.languageModel());
  }

  private static void printEpoch(String model, SearchEvent.FinalTrainingProgress f) {
    System.out.printf(
        "%s retraining epoch %d/%d: train loss %.3f, validation perplexity %.2f%n",
        model, f.epoch() + 1, f.epochs(), f.trainLoss(), f.validationPerplexity());
  }
}
