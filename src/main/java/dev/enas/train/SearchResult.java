package dev.enas.train;

import java.util.List;

/**
 * How a search ended: its terminal phase, and for a successful one the derived child, its test
 * accuracy and the top candidates of the derivation.
 */
public record SearchResult(
    Phase phase,
    String architecture,
    double testAccuracy,
    List<SearchEvent.Candidate> top,
    double seconds,
    String reason) {

  public SearchResult {
    top = List.copyOf(top);
  }

  static SearchResult succeeded(
      String architecture, double testAccuracy, List<SearchEvent.Candidate> top, double seconds) {
    return new SearchResult(Phase.SUCCEEDED, architecture, testAccuracy, top, seconds, "");
  }

  static SearchResult failed(String reason) {
    return new SearchResult(Phase.FAILED, "", Double.NaN, List.of(), 0, reason);
  }

  static SearchResult cancelled(String reason) {
    return new SearchResult(Phase.CANCELLED, "", Double.NaN, List.of(), 0, reason);
  }
}
