package dev.enas.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The rank check's arithmetic, shared by a search with {@code derive.rankCheck} on and the {@code
 * rank-correlation} benchmark: which of the derivation's children are trained alone, and Kendall's
 * tau between their shared-weight rewards and their standalone figures. The training itself is a
 * screening with the rank check's step count ({@link Screening#spec(dev.enas.spec.SearchSpec,
 * int)}), which {@link SearchRun} runs a step at a time.
 */
public final class RankCorrelation {
  /** Mixed into the search's seed so the choice does not repeat another stream of the search. */
  private static final long SALT = 0x52414e4b43484bL;

  private RankCorrelation() {}

  /**
   * The children to train alone: {@code count} of the derivation's distinct scored candidates (all
   * of them when there are fewer), in an order drawn from {@code seed}, so that neither the best
   * rewards nor the earliest samples are favoured. The same candidates and seed give the same
   * choice.
   */
  public static List<SearchEvent.Candidate> choose(
      List<SearchEvent.Candidate> scored, int count, long seed) {
    List<SearchEvent.Candidate> order = new ArrayList<>(scored);
    Collections.shuffle(order, new Random(seed ^ SALT));
    return List.copyOf(order.subList(0, Math.min(count, order.size())));
  }

  /**
   * The outcome for {@code trained}, candidates with their standalone figures: tau-b and its
   * p-value between reward and standalone accuracy, or the negated perplexity for language models
   * ({@code text}), so that a positive tau always means agreement. A NaN figure (a reward that
   * could not be computed) counts as the worst; with fewer than three candidates tau and p are NaN.
   */
  public static SearchEvent.RankCheck of(
      List<SearchEvent.Candidate> trained, int steps, boolean text) {
    int n = trained.size();
    if (n < 3) {
      return new SearchEvent.RankCheck(Double.NaN, Double.NaN, steps, trained);
    }
    double[] rewards = new double[n];
    double[] alone = new double[n];
    for (int i = 0; i < n; i++) {
      SearchEvent.Candidate c = trained.get(i);
      rewards[i] = worstIfNaN(c.reward());
      alone[i] = worstIfNaN(standalone(c, text));
    }
    KendallTau tau = KendallTau.of(rewards, alone);
    return new SearchEvent.RankCheck(tau.tau(), tau.pValue(), steps, trained);
  }

  /** A candidate's standalone figure, higher being better: accuracy, or negated perplexity. */
  public static double standalone(SearchEvent.Candidate c, boolean text) {
    return text ? -c.screenPerplexity() : c.screenAccuracy();
  }

  private static double worstIfNaN(double v) {
    return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
  }
}
