package dev.enas.bench;

import dev.enas.spec.DeriveSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.KendallTau;
import dev.enas.train.Screening;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchRun;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Whether the shared-weight reward ranks children as training them alone does: the demo search
 * (seed 1) runs to the end of its derivation, which draws {@value #SAMPLES} children from the
 * trained policy and scores each distinct one on the same validation batch with the shared weights
 * (the reward the search ranks by). {@value #CHILDREN} of the distinct children, taken in a seeded
 * random order, are then each trained alone from scratch for a short fixed budget (the retraining
 * network at the demo's retraining width, {@value #STEPS} minibatches of 64 with the retraining's
 * learning rate annealed over them: the engine's screening) and scored on the whole validation
 * split. The headline is Kendall's tau-b between the two, with its two-sided p-value printed.
 */
final class RankBench {
  private static final int SAMPLES = 200;
  private static final int CHILDREN = Integer.getInteger("enas.bench.children", 20);
  private static final int STEPS = Integer.getInteger("enas.bench.steps", 84);

  private RankBench() {}

  static Bench.Result rankCorrelation() throws Exception {
    SearchSpec demo = SearchSpec.demo();
    DeriveSpec derive =
        new DeriveSpec(
            SAMPLES, SAMPLES, demo.derive().validationBatches(), 0, 0, DeriveSpec.BEST_REWARD);
    SearchSpec spec =
        new SearchSpec(
            demo.space(),
            demo.data(),
            demo.child(),
            demo.shared(),
            demo.controller(),
            derive,
            demo.retrain(),
            demo.seed(),
            demo.languageModel());
    SearchData data = SearchData.load(spec);
    long start = System.nanoTime();
    List<SearchEvent.Candidate> scored = new ArrayList<>();
    try (SearchRun run = SearchRun.start(spec, data, start)) {
      while (!run.finished() && scored.isEmpty()) {
        run.step(
            event -> {
              if (event instanceof SearchEvent.Derived d) {
                scored.addAll(d.top());
              }
            },
            () -> {});
      }
    }
    if (scored.size() < 3) {
      throw new IllegalStateException(
          "the derivation scored only "
              + scored.size()
              + " distinct children; a rank correlation needs at least 3");
    }
    System.out.printf(
        "demo search (seed %d) to its derivation: %.0f s; %d samples gave %d distinct"
            + " children%n",
        spec.seed(), (System.nanoTime() - start) / 1e9, SAMPLES, scored.size());
    List<SearchEvent.Candidate> chosen = new ArrayList<>(scored);
    Collections.shuffle(chosen, new Random(17));
    chosen = chosen.subList(0, Math.min(CHILDREN, chosen.size()));

    SearchSpec screening =
        new SearchSpec(
            spec.space(),
            spec.data(),
            spec.child(),
            spec.shared(),
            spec.controller(),
            new DeriveSpec(SAMPLES, SAMPLES, 1, 1, STEPS, DeriveSpec.BEST_REWARD),
            spec.retrain(),
            spec.seed(),
            spec.languageModel());
    double[] rewards = new double[chosen.size()];
    double[] accuracies = new double[chosen.size()];
    long trainStart = System.nanoTime();
    for (int i = 0; i < chosen.size(); i++) {
      SearchEvent.Candidate c = Screening.screen(chosen.get(i), data, screening, () -> {});
      rewards[i] = c.reward();
      accuracies[i] = c.screenAccuracy();
      System.out.printf(
          "child %2d: shared-weight reward %.4f, alone %d steps: validation"
              + " accuracy %.4f  %s%n",
          i, rewards[i], STEPS, accuracies[i], c.architecture());
    }
    KendallTau tau = KendallTau.of(rewards, accuracies);
    System.out.printf(
        "trained alone: %.0f s for %d children%n",
        (System.nanoTime() - trainStart) / 1e9, chosen.size());
    System.out.printf(
        "Kendall tau-b %.4f, two-sided p %.4g, n %d%n", tau.tau(), tau.pValue(), tau.n());
    return new Bench.Result(
        tau.tau(), String.format("tau (p = %.3g, n = %d)", tau.pValue(), tau.n()));
  }
}
