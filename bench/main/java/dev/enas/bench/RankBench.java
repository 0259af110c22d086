package dev.enas.bench;

import dev.enas.spec.DeriveSpec;
import dev.enas.spec.RankCheckSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchRun;

/**
 * Whether the shared-weight reward ranks children as training them alone does: the demo search
 * (seed 1) with the spec's rank check on ({@code derive.rankCheck}), through the same {@link
 * SearchRun} a server runs. Its derivation draws {@value #SAMPLES} children from the trained policy
 * and scores each distinct one on the same validation batch with the shared weights (the reward the
 * search ranks by); the rank check then trains {@value #CHILDREN_DEFAULT} of them (a seeded choice)
 * alone from scratch for a short fixed budget (the retraining network at the demo's retraining
 * width, {@value #STEPS_DEFAULT} minibatches with the retraining's learning rate annealed over
 * them) and scores them on the whole validation split. The benchmark stops where the derived
 * child's retraining would begin. The headline is Kendall's tau-b between the two, with its
 * two-sided p-value printed.
 */
final class RankBench {
  private static final int SAMPLES = 200;
  private static final int CHILDREN_DEFAULT = 20;
  private static final int STEPS_DEFAULT = 84;
  private static final int CHILDREN = Integer.getInteger("enas.bench.children", CHILDREN_DEFAULT);
  private static final int STEPS = Integer.getInteger("enas.bench.steps", STEPS_DEFAULT);

  private RankBench() {}

  static Bench.Result rankCorrelation() throws Exception {
    SearchSpec demo = SearchSpec.demo();
    SearchSpec spec =
        new SearchSpec(
            demo.space(),
            demo.data(),
            demo.child(),
            demo.shared(),
            demo.controller(),
            new DeriveSpec(
                SAMPLES,
                demo.derive().topK(),
                demo.derive().validationBatches(),
                0,
                0,
                DeriveSpec.BEST_REWARD,
                new RankCheckSpec(CHILDREN, STEPS)),
            demo.retrain(),
            demo.seed(),
            demo.languageModel());
    SearchData data = SearchData.load(spec);
    long start = System.nanoTime();
    long[] derivedAt = {0};
    try (SearchRun run = SearchRun.start(spec, data, start)) {
      while (run.stage() != SearchRun.Stage.FINAL_TRAINING) {
        run.step(
            event -> {
              if (event instanceof SearchEvent.Derived d) {
                derivedAt[0] = System.nanoTime();
                System.out.printf(
                    "demo search (seed %d) to its derivation: %.0f s; %d samples%n",
                    spec.seed(), (derivedAt[0] - start) / 1e9, d.sampled());
              } else if (event instanceof SearchEvent.RankCheckTrained t) {
                SearchEvent.Candidate c = t.candidate();
                System.out.printf(
                    "child %2d: shared-weight reward %.4f, alone %d steps: validation"
                        + " accuracy %.4f  %s%n",
                    t.index(), c.reward(), t.steps(), c.screenAccuracy(), c.architecture());
              }
            },
            () -> {});
      }
      SearchEvent.RankCheck check = run.rankCheck();
      System.out.printf(
          "trained alone: %.0f s for %d children%n",
          (System.nanoTime() - derivedAt[0]) / 1e9, check.architectures().size());
      System.out.printf(
          "Kendall tau-b %.4f, two-sided p %.4g, n %d%n",
          check.kendallTau(), check.pValue(), check.architectures().size());
      return new Bench.Result(
          check.kendallTau(),
          String.format("tau (p = %.3g, n = %d)", check.pValue(), check.architectures().size()));
    }
  }
}
