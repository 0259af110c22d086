package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DerivationTest {
  private static SearchEvent.Candidate candidate(
      String architecture, double reward, double logProbability) {
    return new SearchEvent.Candidate(architecture, reward, logProbability);
  }

  @Test
  void bestRewardFirstTiesToTheMoreLikely() {
    List<SearchEvent.Candidate> ranked =
        Derivation.rank(
            List.of(candidate("a", 0.5, -3), candidate("b", 0.7, -9), candidate("c", 0.5, -1)), 2);
    assertThat(ranked).extracting(SearchEvent.Candidate::architecture).containsExactly("b", "c");
  }

  /**
   * The most-probable selection: the policy's mode leads even with the lowest score, a sampled copy
   * of it is not listed twice, and the list stays topK long.
   */
  @Test
  void theModeLeadsOnceAndTheRestFollowByReward() {
    SearchEvent.Candidate mode = candidate("m", 0.1, -2);
    List<SearchEvent.Candidate> sampled =
        List.of(
            candidate("a", 0.6, -8),
            candidate("m", 0.1, -2),
            candidate("b", 0.9, -7),
            candidate("c", 0.3, -6));
    assertThat(Derivation.rankAfter(mode, sampled, 3))
        .extracting(SearchEvent.Candidate::architecture)
        .containsExactly("m", "b", "a");
    assertThat(Derivation.rankAfter(mode, sampled, 1))
        .extracting(SearchEvent.Candidate::architecture)
        .containsExactly("m");
  }
}
