package dev.enas.bench;

import dev.enas.spec.SearchSpec;
import dev.enas.train.Retraining;
import dev.enas.train.RnnRetraining;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The fixed cell a recurrent search is measured against: a plain tanh recurrent language model
 * trained with a spec's {@code retrain} section on the spec's corpus, through the same retraining
 * loop, budget and seed as the cell the search derives.
 */
final class PlainTanhBaseline {
  private PlainTanhBaseline() {}

  /** Test perplexity of the plain tanh model retrained as {@code spec} retrains a derived cell. */
  static double testPerplexity(SearchSpec spec) throws IOException {
    return train(spec, epoch -> {}).testPerplexity();
  }

  /**
   * Retrains the plain tanh model as {@code spec} retrains a derived cell and returns its figures
   * (test and last validation perplexity, parameter count).
   *
   * @param afterEachEpoch receives each retraining epoch's progress
   */
  static Retraining.Result train(
      SearchSpec spec, Consumer<SearchEvent.FinalTrainingProgress> afterEachEpoch)
      throws IOException {
    SearchSpec checked = spec.validate();
    if (!"rnn".equals(checked.space().kind())) {
      throw new IllegalArgumentException(
          "the plain tanh baseline is a language model; the spec's space is "
              + checked.space().kind());
    }
    SearchData data = SearchData.load(checked);
    try (RnnRetraining retraining = RnnRetraining.plainTanh(data, checked)) {
      return retraining.runToEnd(() -> {}, afterEachEpoch);
    }
  }
}
