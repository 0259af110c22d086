package dev.enas.train;

import java.util.List;

/**
 * How a search ended: its terminal phase, and for a successful one the derived child, its test
 * accuracy (image classifiers) or test perplexity (language models; the accuracy is then NaN) and
 * the top candidates of the derivation.
 */
public record SearchResult(
    Phase phase,
    String architecture,
    double testAccuracy,
    List<SearchEvent.Candidate> top,
    double seconds,
    String reason,
    double testPerplexity) {

  public SearchResult {
    top = List.copyOf(top);
  }

  static SearchResult succeeded(String architecture, double testAccuracy,
      double testPerplexity, List<SearchEvent.Candidate> top, double seconds) {
    return new SearchResult(
        Phase.SUCCEEDED, architecture, testAccuracy, top, seconds, "", testPerplexity);
  }

  static SearchResult failed(String reason) {
    return new SearchResult(Phase.FAILED, "", Double.NaN, List.of(), 0, reason, Double.NaN);
  }

  static SearchResult cancelled(String reason) {
    return new SearchResult(Phase.CANCELLED, "", Double.NaN, List.of(), 0, reason, Double.NaN);
  }
}
