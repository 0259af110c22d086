package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings only the recurrent-cell space (language modelling) reads; the convolutional spaces
 * ignore them. The hidden size is {@code child.channels} (search) and {@code
 * retrain.network.channels} (final model), the output dropout {@code child.dropout}, and the
 * sequences per minibatch {@code child.batchSize}.
 *
 * @param bpttSteps tokens per window of truncated back-propagation through time (paper: 35)
 * @param embeddingDropout share of the vocabulary's embedding rows dropped per window
 * @param inputDropout dropout on the cell's input vectors
 * @param maxVocabulary largest vocabulary accepted from a corpus's training file
 */
public record LanguageModelSpec(
    int bpttSteps, double embeddingDropout, double inputDropout, int maxVocabulary) {

  /** Upper bound for {@link #maxVocabulary}. */
  public static final int VOCABULARY_LIMIT = 1_000_000;

  /** The paper's BPTT length, light dropout, and PTB's vocabulary bound with room to spare. */
  public static LanguageModelSpec defaults() {
    return new LanguageModelSpec(35, 0.1, 0.2, 50_000);
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    Checks.intRange(out, prefix + "bpttSteps", bpttSteps, 1, 1000);
    Checks.range(out, prefix + "embeddingDropout", embeddingDropout, 0, 1, false);
    Checks.range(out, prefix + "inputDropout", inputDropout, 0, 1, false);
    Checks.intRange(out, prefix + "maxVocabulary", maxVocabulary, 2, VOCABULARY_LIMIT);
    return out;
  }
}
