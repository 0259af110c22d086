package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankCorrelationTest {
  private static SearchEvent.Candidate image(String name, double reward, double accuracy) {
    return new SearchEvent.Candidate(name, reward, -1, accuracy, Double.NaN);
  }

  private static SearchEvent.Candidate text(String name, double reward, double perplexity) {
    return new SearchEvent.Candidate(name, reward, -1, Double.NaN, perplexity);
  }

  @Test
  void theChoiceIsASeededSubsetOfTheScoredCandidates() {
    List<SearchEvent.Candidate> scored =
        List.of(
            image("a", 0.1, 0),
            image("b", 0.2, 0),
            image("c", 0.3, 0),
            image("d", 0.4, 0),
            image("e", 0.5, 0));
    List<SearchEvent.Candidate> chosen = RankCorrelation.choose(scored, 3, 7);
    assertThat(chosen).hasSize(3).doesNotHaveDuplicates();
    assertThat(scored).containsAll(chosen);
    assertThat(RankCorrelation.choose(scored, 3, 7)).isEqualTo(chosen);
    assertThat(RankCorrelation.choose(scored, 10, 7)).hasSize(5);
  }

  @Test
  void anImageClassifierIsRankedByAccuracy() {
    // Rewards in the same order as the accuracies: tau 1; 3! permutations, p = 2 / 6.
    SearchEvent.RankCheck check =
        RankCorrelation.of(
            List.of(image("a", 0.2, 0.6), image("b", 0.3, 0.7), image("c", 0.1, 0.5)), 4, false);
    assertThat(check.kendallTau()).isEqualTo(1.0);
    assertThat(check.pValue()).isEqualTo(2.0 / 6);
    assertThat(check.steps()).isEqualTo(4);
    assertThat(check.architectures()).hasSize(3);
  }

  @Test
  void aLanguageModelsPerplexityCountsNegatedSoAgreementIsPositive() {
    // Higher reward (80 / perplexity on shared weights), lower standalone perplexity: agreement.
    SearchEvent.RankCheck check =
        RankCorrelation.of(
            List.of(text("a", 0.8, 120), text("b", 0.9, 110), text("c", 0.7, 130)), 4, true);
    assertThat(check.kendallTau()).isEqualTo(1.0);
    // A diverged training (infinite perplexity) is the worst, not an error.
    SearchEvent.RankCheck diverged =
        RankCorrelation.of(
            List.of(
                text("a", 0.8, 120), text("b", 0.9, 110), text("c", 0.7, Double.POSITIVE_INFINITY)),
            4,
            true);
    assertThat(diverged.kendallTau()).isEqualTo(1.0);
  }

  @Test
  void aNaNRewardCountsAsTheWorst() {
    SearchEvent.RankCheck check =
        RankCorrelation.of(
            List.of(image("a", 0.2, 0.6), image("b", 0.3, 0.7), image("c", Double.NaN, 0.5)),
            4,
            false);
    assertThat(check.kendallTau()).isEqualTo(1.0);
  }

  @Test
  void fewerThanThreeArchitecturesHaveNoCorrelation() {
    SearchEvent.RankCheck none =
        RankCorrelation.of(List.of(image("a", 0.5, 0.7), image("b", 0.4, 0.6)), 5, false);
    assertThat(none.kendallTau()).isNaN();
    assertThat(none.pValue()).isNaN();
    assertThat(none.architectures()).hasSize(2);
  }
}
