package dev.enas.bench;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.DataSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.StandaloneNetwork;
import dev.enas.supernet.Supernet;
import dev.enas.train.Networks;
import dev.enas.train.Phase;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A whole search and retraining on the complete Fashion-MNIST (60,000 training images, 6,000 of
 * them held out for rewards, 10,000 test) within a wall-clock budget, once with the ENAS controller
 * and once with the random controller under the same budget; the headline is ENAS's test accuracy
 * (goal 92.5 %). The data comes from {@code src/scripts/fetch-full-fashion-mnist.sh} (default
 * folder {@code data-full/fashion-mnist}, or {@code -Denas.bench.fashion=DIR}).
 *
 * <p>The spec has epoch budgets, not time budgets, so each run is sized before it starts: 10 timed
 * shared-weight steps and rewards of sampled children give the seconds of a search epoch, and 5
 * timed steps of the costliest child of the space (every layer a 5x5 convolution) at the retraining
 * width give an upper bound on a retraining epoch. {@value #SEARCH_SHARE} of the budget goes to the
 * search, {@value #RETRAIN_SHARE} to the retraining, the rest is left for the derivation, the test
 * pass and the sizing itself. The budget is {@code -Denas.bench.minutes} (default 60) per
 * controller. It needs a quiet machine for an hour per controller.
 */
final class FashionBench {
  static final double SEARCH_SHARE = 0.5;
  static final double RETRAIN_SHARE = 0.4;
  private static final int RETRAIN_CHANNELS = 32;

  private FashionBench() {}

  static Bench.Result fashionAccuracy() throws Exception {
    Path dir = Path.of(System.getProperty("enas.bench.fashion", "data-full/fashion-mnist"));
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "no full Fashion-MNIST in "
              + dir.toAbsolutePath()
              + ": run src/scripts/fetch-full-fashion-mnist.sh first (or set -Denas.bench.fashion)");
    }
    double budget = 60 * Double.parseDouble(System.getProperty("enas.bench.minutes", "60"));
    // Each controller's run takes the whole budget; -Denas.bench.controllers=enas (or random) runs
    // one of them, for a machine that is quiet for only one budget at a time.
    List<String> kinds =
        List.of(System.getProperty("enas.bench.controllers", "enas,random").split(","));
    for (String kind : kinds) {
      if (!kind.equals("enas") && !kind.equals("random")) {
        throw new IllegalArgumentException(
            "enas.bench.controllers must list enas and/or random, separated by commas; was "
                + kinds);
      }
    }
    SearchResult enas = kinds.contains("enas") ? run("enas", dir, budget) : null;
    SearchResult random = kinds.contains("random") ? run("random", dir, budget) : null;
    System.out.printf(
        "full Fashion-MNIST, %.0f min each: enas %s, random %s (goal >= 0.925, beyond 0.94)%n",
        budget / 60, describe(enas), describe(random));
    SearchResult headline = enas != null ? enas : random;
    return new Bench.Result(
        headline.testAccuracy(),
        "test accuracy ("
            + (enas != null ? "enas" : "random")
            + (enas != null && random != null
                ? "; random " + String.format("%.4f", random.testAccuracy())
                : "")
            + ")");
  }

  private static int epochsOverride(String property, int sized) {
    String value = System.getProperty(property);
    if (value == null) {
      return sized;
    }
    int epochs;
    try {
      epochs = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      epochs = 0;
    }
    if (epochs < 1 || epochs > 1000) {
      throw new IllegalArgumentException(
          property + " must be an integer in [1, 1000]; was " + value);
    }
    System.out.printf("%s=%d replaces the sized %d%n", property, epochs, sized);
    return epochs;
  }

  private static String describe(SearchResult result) {
    return result == null
        ? "not run"
        : String.format("%.4f (%s)", result.testAccuracy(), result.architecture());
  }

  private static SearchResult run(String kind, Path dir, double budgetSeconds) throws Exception {
    SearchSpec demo = SearchSpec.demo();
    DeriveSpec derive =
        "random".equals(kind) ? demo.derive().withSelection(DeriveSpec.BEST_REWARD) : demo.derive();
    RetrainSpec demoRetrain = demo.retrain();
    SearchSpec base =
        new SearchSpec(
            demo.space(),
            new DataSpec("idx:" + dir.toAbsolutePath(), 0.1, 0),
            demo.child(),
            demo.shared(),
            demo.controller().withKind(kind),
            derive,
            new RetrainSpec(
                new ChildSpec(RETRAIN_CHANNELS, 1, 64, 0.0),
                demoRetrain.training(),
                demoRetrain.cutout(),
                false),
            demo.seed());
    SearchData data = SearchData.load(base);
    double searchEpoch = searchEpochSeconds(base, data);
    double retrainEpoch = retrainEpochSeconds(base, data);
    int searchEpochs = Math.max(1, (int) (SEARCH_SHARE * budgetSeconds / searchEpoch));
    int retrainEpochs = Math.max(1, (int) (RETRAIN_SHARE * budgetSeconds / retrainEpoch));
    // Fixed epochs give a second arm exactly the split the first one was sized to, so that a
    // noisy sizing of one arm does not decide the comparison; the wall clock is still reported
    // against the budget.
    searchEpochs = epochsOverride("enas.bench.searchEpochs", searchEpochs);
    retrainEpochs = epochsOverride("enas.bench.retrainEpochs", retrainEpochs);
    TrainingSpec s = base.shared();
    TrainingSpec r = base.retrain().training();
    SearchSpec spec =
        new SearchSpec(
            base.space(),
            base.data(),
            base.child(),
            new TrainingSpec(
                searchEpochs,
                0,
                s.learningRateMax(),
                s.learningRateMin(),
                searchEpochs,
                1,
                s.momentum(),
                s.weightDecay(),
                s.gradientClip(),
                s.maxNonFiniteSteps()),
            base.controller(),
            base.derive(),
            new RetrainSpec(
                base.retrain().network(),
                new TrainingSpec(
                    retrainEpochs,
                    0,
                    r.learningRateMax(),
                    r.learningRateMin(),
                    retrainEpochs,
                    1,
                    r.momentum(),
                    r.weightDecay(),
                    r.gradientClip(),
                    r.maxNonFiniteSteps()),
                base.retrain().cutout(),
                false),
            base.seed());
    System.out.printf(
        "%s: %d training images; a search epoch ~%.0f s, a retraining epoch"
            + " <= %.0f s: %d search epochs (%.0f %% of %.0f min), %d retraining epochs (%.0f %%) at"
            + " %d channels%n",
        kind,
        data.train().size(),
        searchEpoch,
        retrainEpoch,
        searchEpochs,
        100 * SEARCH_SHARE,
        budgetSeconds / 60,
        retrainEpochs,
        100 * RETRAIN_SHARE,
        RETRAIN_CHANNELS);
    long[] retrainStart = {0};
    long start = System.nanoTime();
    long[] parameters = {-1};
    SearchResult result =
        new SearchLoop(
                spec,
                e -> {
                  if (e instanceof SearchEvent.PhaseChanged p
                      && p.phase() == Phase.FINAL_TRAINING) {
                    retrainStart[0] = System.nanoTime();
                  }
                  if (e instanceof SearchEvent.Finished f) {
                    parameters[0] = f.parameters();
                  }
                },
                () -> false)
            .run();
    if (result.phase() != Phase.SUCCEEDED) {
      throw new IllegalStateException(kind + " search failed: " + result.reason());
    }
    long end = System.nanoTime();
    double searchSeconds = retrainStart[0] == 0 ? Double.NaN : (retrainStart[0] - start) / 1e9;
    System.out.printf(
        "%s: derived %s, %d parameters, test accuracy %.4f; search and derivation"
            + " %.0f s, retraining and test %.0f s, total %.0f s%n",
        kind,
        result.architecture(),
        parameters[0],
        result.testAccuracy(),
        searchSeconds,
        (end - retrainStart[0]) / 1e9,
        (end - start) / 1e9);
    return result;
  }

  /** Seconds of one search epoch: the shared pass plus the controller's rewards. */
  private static double searchEpochSeconds(SearchSpec spec, SearchData data) throws Exception {
    MacroSpace space = new MacroSpace(spec.space().layers());
    Controller controller = Controllers.create(space, spec.controller(), spec.seed());
    int batch = spec.child().batchSize();
    long train = 0;
    long reward = 0;
    int timed = 10;
    try (Supernet supernet =
            Supernet.create(
                space,
                Networks.searchNetwork(spec, data),
                Networks.sgd(spec.shared()),
                spec.seed());
        BatchIterator batches =
            BatchIterator.builder(data.train(), batch, data.normalization())
                .seed(1)
                .endless()
                .dropLast(true)
                .build()) {
      for (int i = 0; i < timed + 2; i++) {
        Architecture child = controller.sample().architecture();
        Batch b = batches.next();
        long t0 = System.nanoTime();
        supernet.trainStep(child, b.images(), b.labels(), 0.05);
        long t1 = System.nanoTime();
        supernet.evaluate(child, b.images(), b.labels());
        long t2 = System.nanoTime();
        if (i >= 2) {
          train += t1 - t0;
          reward += t2 - t1;
        }
      }
    }
    int steps = data.train().size() / batch;
    int rewards = spec.controller().updatesPerEpoch() * spec.controller().childrenPerUpdate();
    return (steps * (train / 1e9) + rewards * (reward / 1e9)) / timed;
  }

  /** Upper bound on one retraining epoch: the space's costliest child at the retraining width. */
  private static double retrainEpochSeconds(SearchSpec spec, SearchData data) throws Exception {
    int layers = spec.space().layers();
    StringBuilder all5x5 = new StringBuilder("macro: 1");
    for (int l = 1; l < layers; l++) {
      all5x5.append(" | 1").append(" 0".repeat(l));
    }
    Architecture child = new MacroSpace(layers).parse(all5x5.toString());
    int batch = spec.retrain().network().batchSize();
    int warmup = 2;
    long[] times = new long[7];
    try (StandaloneNetwork net =
            StandaloneNetwork.create(
                child,
                Networks.retrainNetwork(spec, data, child),
                Networks.sgd(spec.retrain().training()),
                spec.seed());
        BatchIterator batches =
            BatchIterator.builder(data.train(), batch, data.normalization())
                .seed(1)
                .endless()
                .dropLast(true)
                .build()) {
      for (int i = 0; i < warmup + times.length; i++) {
        Batch b = batches.next();
        long t0 = System.nanoTime();
        net.trainStep(b.images(), b.labels(), 0.05);
        if (i >= warmup) {
          times[i - warmup] = System.nanoTime() - t0;
        }
      }
    }
    // The median step: one slow step (a collection, the first use of a oneDNN primitive) once
    // doubled the mean of five and halved the retraining a run was given.
    Arrays.sort(times);
    return data.train().size() / batch * (times[times.length / 2] / 1e9);
  }
}
