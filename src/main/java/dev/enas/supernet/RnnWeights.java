package dev.enas.supernet;

import java.util.Objects;

/**
 * The weights one recurrent child uses, as plain arrays: what a standalone language model starts
 * from, what the exporter writes and what the reference computation reads. Row-major layouts:
 *
 * <ul>
 *   <li>{@code embedding}: vocabulary x hidden; row v is token v's input vector. The decoder is
 *       tied to it: logits = output . embedding^T + decoderBias.
 *   <li>{@code decoderBias}: vocabulary.
 *   <li>{@code inputWeight}: (2 hidden) x (2 hidden), node 0's matrix; rows 0..H-1 multiply the
 *       step's input x_t, rows H..2H-1 the previous hidden state; columns 0..H-1 give the gate c,
 *       columns H..2H-1 the candidate.
 *   <li>{@code nodeWeights[l]} for l &gt;= 1: hidden x (2 hidden), the matrix W_{l,j} of the edge
 *       from node j = input(l) to node l, columns split as for node 0; {@code nodeWeights[0]} is
 *       null.
 * </ul>
 *
 * <p>Arrays are not copied; whoever builds a record hands its arrays over.
 */
public record RnnWeights(
    int vocabulary,
    int hidden,
    float[] embedding,
    float[] decoderBias,
    float[] inputWeight,
    float[][] nodeWeights) {

  public RnnWeights {
    Objects.requireNonNull(embedding, "embedding");
    Objects.requireNonNull(decoderBias, "decoderBias");
    Objects.requireNonNull(inputWeight, "inputWeight");
    Objects.requireNonNull(nodeWeights, "nodeWeights");
    if (vocabulary < 1 || hidden < 1) {
      throw new IllegalArgumentException(
          "vocabulary and hidden must be positive, got " + vocabulary + " and " + hidden);
    }
    check("embedding", embedding, (long) vocabulary * hidden);
    check("decoderBias", decoderBias, vocabulary);
    check("inputWeight", inputWeight, 4L * hidden * hidden);
    for (int l = 1; l < nodeWeights.length; l++) {
      check("nodeWeights[" + l + "]", nodeWeights[l], 2L * hidden * hidden);
    }
  }

  /** Nodes of the cell these weights belong to. */
  public int nodes() {
    return nodeWeights.length;
  }

  private static void check(String name, float[] values, long expected) {
    if (values == null || values.length != expected) {
      throw new IllegalArgumentException(
          name
              + " must hold "
              + expected
              + " values, got "
              + (values == null ? "null" : values.length));
    }
  }
}
