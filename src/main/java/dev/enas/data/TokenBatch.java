package dev.enas.data;

import java.util.Objects;

/**
 * One window of a token stream for a language model: {@code batchSize} parallel sequences of
 * {@code steps} tokens each, the length of truncated back-propagation through time. Arrays are
 * row-major [batch][steps]: sequence b's token at step t is {@code inputs[b * steps + t]}, and
 * {@code targets} holds the token that follows each input. {@code startsPass} marks the first
 * window of a pass over the data, where a network starts again from a zero hidden state. The
 * arrays are handed over, not copied.
 */
public record TokenBatch(int[] inputs, int[] targets, int batchSize, int steps, boolean startsPass) {

  /** Checks that both arrays hold batchSize x steps tokens. */
  public TokenBatch {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(targets, "targets");
    if (batchSize < 1 || steps < 1) {
      throw new IllegalArgumentException(
          "batchSize and steps must be at least 1, got " + batchSize + " and " + steps);
    }
    long expected = (long) batchSize * steps;
    if (inputs.length != expected) {
      throw new IllegalArgumentException(
          "inputs must hold " + batchSize + " x " + steps + " tokens, got " + inputs.length);
    }
    if (targets.length != expected) {
      throw new IllegalArgumentException(
          "targets must hold " + batchSize + " x " + steps + " tokens, got " + targets.length);
    }
  }
}
