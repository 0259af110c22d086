package dev.enas.data;

import java.util.Objects;

/**
 * One window of language-model training: {@code batchSize} rows of {@code steps} token ids and, for
 * each, the id that follows it in the text, which is what the model must predict. Row b of a window
 * continues row b of the previous window of the same pass, so a recurrent model may carry its
 * hidden state across windows; {@code startsPass} says when that chain starts over.
 *
 * <p>Both arrays are row-major: the token at row b, step t is {@code inputs[b * steps + t]}. A
 * batch is handed to exactly one consumer, which owns the arrays; they are not copied.
 *
 * @param inputs {@code batchSize * steps} token ids
 * @param targets {@code batchSize * steps} token ids: each input's successor in the text
 * @param batchSize rows, at least 1
 * @param steps tokens per row, the truncated back-propagation-through-time length, at least 1
 * @param startsPass true for the first window of each pass over the data: carried state must be
 *     reset
 */
public record TokenBatch(int[] inputs, int[] targets, int batchSize, int steps, boolean startsPass)
    implements MiniBatch {

  /** Checks that the arrays match the stated shape. */
  public TokenBatch {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(targets, "targets");
    if (batchSize < 1 || steps < 1) {
      throw new IllegalArgumentException(
          "batchSize and steps must be positive, got " + batchSize + " and " + steps);
    }
    long size = (long) batchSize * steps;
    if (inputs.length != size) {
      throw new IllegalArgumentException(
          "inputs must hold " + batchSize + " x " + steps + " ids, got " + inputs.length);
    }
    if (targets.length != size) {
      throw new IllegalArgumentException(
          "targets must hold " + batchSize + " x " + steps + " ids, got " + targets.length);
    }
  }

  /** The input token at row {@code b}, step {@code t}. */
  public int input(int b, int t) {
    return inputs[index(b, t)];
  }

  /**
   * The target token at row {@code b}, step {@code t}: the token after {@link #input(int, int)}.
   */
  public int target(int b, int t) {
    return targets[index(b, t)];
  }

  private int index(int b, int t) {
    Objects.checkIndex(b, batchSize);
    Objects.checkIndex(t, steps);
    return b * steps + t;
  }
}
