package dev.enas.train;

import dev.enas.controller.Controller;
import dev.enas.controller.Sample;
import dev.enas.space.Architecture;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Derivation of the final child: sample children from the trained policy, score each distinct one
 * on the same validation minibatch, and keep the best first (ties go to the more likely child).
 */
public final class Derivation {
  /** Best reward first, then most likely under the policy. */
  public static final Comparator<SearchEvent.Candidate> BEST_FIRST =
      Comparator.comparingDouble(SearchEvent.Candidate::reward)
          .reversed()
          .thenComparing(
              Comparator.comparingDouble(SearchEvent.Candidate::logProbability).reversed());

  private Derivation() {}

  /**
   * @param samples children to draw (duplicates are scored once)
   * @param topK how many of the best to return
   * @param score a child's reward on the common validation minibatch
   * @param checkpoint called between children, so a caller can cancel
   */
  public static List<SearchEvent.Candidate> derive(
      Controller controller,
      int samples,
      int topK,
      ToDoubleFunction<Architecture> score,
      Runnable checkpoint) {
    Set<Architecture> seen = new HashSet<>();
    List<SearchEvent.Candidate> scored = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      checkpoint.run();
      Sample s = controller.sample();
      if (seen.add(s.architecture())) {
        scored.add(
            new SearchEvent.Candidate(
                s.architecture().encode(),
                score.applyAsDouble(s.architecture()),
                s.logProbability()));
      }
    }
    return rank(scored, topK);
  }

  /**
   * The policy's most probable child first, then the best of the other scored candidates: the
   * ranking of the most-probable selection, {@code topK} long in all.
   */
  public static List<SearchEvent.Candidate> rankAfter(
      SearchEvent.Candidate mode, Collection<SearchEvent.Candidate> candidates, int topK) {
    List<SearchEvent.Candidate> others = new ArrayList<>();
    for (SearchEvent.Candidate c : candidates) {
      if (!c.architecture().equals(mode.architecture())) {
        others.add(c);
      }
    }
    List<SearchEvent.Candidate> ranked = new ArrayList<>();
    ranked.add(mode);
    ranked.addAll(rank(others, topK - 1));
    return List.copyOf(ranked);
  }

  /** The best {@code topK} of scored candidates, best first. */
  public static List<SearchEvent.Candidate> rank(
      Collection<SearchEvent.Candidate> candidates, int topK) {
    List<SearchEvent.Candidate> ranked = new ArrayList<>(candidates);
    ranked.sort(BEST_FIRST);
    return List.copyOf(ranked.subList(0, Math.min(topK, ranked.size())));
  }
}
