package dev.enas.supernet;

/**
 * Size and regularization of a recurrent language model, apart from its cell, so a derived cell can
 * be retrained wider than it was searched.
 *
 * <p>The embedding has {@code hidden} columns and the decoder is tied to it (logits = output .
 * embedding^T + bias). The three dropouts act only in training steps and are "locked": a mask is
 * drawn once per sequence and window and applied at every time step of that window.
 *
 * @param vocabulary number of token ids, at least 2
 * @param hidden width of the embedding, of every node and of the hidden state
 * @param embeddingDropout rate at which whole words are dropped from a sequence's window: every
 *     occurrence of a dropped word reads a zero input vector there (the decoder still sees it)
 * @param inputDropout rate at which units of the input vector x_t are dropped
 * @param outputDropout rate at which units of the cell's output are dropped before the decoder
 */
public record RnnNetworkSpec(
    int vocabulary, int hidden, float embeddingDropout, float inputDropout, float outputDropout) {

  public RnnNetworkSpec {
    if (vocabulary < 2) {
      throw new IllegalArgumentException("vocabulary must be at least 2, was " + vocabulary);
    }
    if (hidden < 1) {
      throw new IllegalArgumentException("hidden must be at least 1, was " + hidden);
    }
    rate(embeddingDropout, "embeddingDropout");
    rate(inputDropout, "inputDropout");
    rate(outputDropout, "outputDropout");
  }

  /** A spec without dropout. */
  public static RnnNetworkSpec of(int vocabulary, int hidden) {
    return new RnnNetworkSpec(vocabulary, hidden, 0f, 0f, 0f);
  }

  private static void rate(float value, String name) {
    if (!(value >= 0f && value < 1f)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), was " + value);
    }
  }
}
