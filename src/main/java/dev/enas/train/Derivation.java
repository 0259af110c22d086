package dev.enas.train;

import dev.enas.controller.Controller;
import dev.enas.controller.Sample;
import dev.enas.space.Architecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Derivation of the final child: sample children from the trained policy, score each distinct one
 * on the same validation minibatch, and keep the best first (ties go to the more likely child).
 */
public final class Derivation {
  private Derivation() {}

  /**
   * @param samples children to draw (duplicates are scored once)
   * @param topK how many of the best to return
   * @param checkpoint called between children, so a caller can cancel
   */
  public static List<SearchEvent.Candidate> derive(Controller controller, RewardEvaluator evaluator,
      int samples, int topK, Runnable checkpoint) {
    Map<Architecture, SearchEvent.Candidate> scored = new LinkedHashMap<>();
    for (int i = 0; i < samples; i++) {
      checkpoint.run();
      Sample s = controller.sample();
      if (!scored.containsKey(s.architecture())) {
        double reward = evaluator.rewardOnFixedBatch(s.architecture());
        scored.put(s.architecture(),
            new SearchEvent.Candidate(s.architecture().encode(), reward, s.logProbability()));
      }
    }
    List<SearchEvent.Candidate> ranked = new ArrayList<>(scored.values());
    ranked.sort(SearchLoop.BEST_FIRST);
    return List.copyOf(ranked.subList(0, Math.min(topK, ranked.size())));
  }
}
