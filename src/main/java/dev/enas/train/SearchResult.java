package dev.enas.train;

import java.util.List;

/**
 * How a search ended: its terminal phase, and for a successful one the derived child, its test
 * accuracy (image classifiers) or test perplexity (language models; the accuracy is then NaN) and
 * the top candidates of the derivation, and the plain baseline's result and the rank check's
 * outcome when the spec asked for them (else null).
 */
public record SearchResult(
    Phase phase,
    String architecture,
    double testAccuracy,
    List<SearchEvent.Candidate> top,
    double seconds,
    String reason,
    double testPerplexity,
    SearchEvent.PlainBaseline plainBaseline,
    SearchEvent.RankCheck rankCheck) {

  public SearchResult {
    top = List.copyOf(top);
  }

  static SearchResult succeeded(
      String architecture,
      double testAccuracy,
      double testPerplexity,
      List<SearchEvent.Candidate> top,
      double seconds,
      SearchEvent.PlainBaseline plainBaseline,
      SearchEvent.RankCheck rankCheck) {
    return new SearchResult(
        Phase.SUCCEEDED,
        architecture,
        testAccuracy,
        top,
        seconds,
        "",
        testPerplexity,
        plainBaseline,
        rankCheck);
  }

  static SearchResult failed(String reason) {
    return new SearchResult(
        Phase.FAILED, "", Double.NaN, List.of(), 0, reason, Double.NaN, null, null);
  }

  static SearchResult cancelled(String reason) {
    return new SearchResult(
        Phase.CANCELLED, "", Double.NaN, List.of(), 0, reason, Double.NaN, null, null);
  }
}
