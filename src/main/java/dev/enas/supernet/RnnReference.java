package dev.enas.supernet;

import dev.enas.space.RnnArchitecture;
import java.util.List;

/**
 * The recurrent cell and the language model's step written out plainly in double precision, with no
 * framework: the yardstick the DJL networks and the exported ONNX graph are checked against.
 *
 * <p>One step for a batch of tokens: x = embedding[token]; node 0 computes [c | k] = [x, h_prev] .
 * inputWeight, c = sigmoid(c), s_0 = c * f_0(k) + (1 - c) * h_prev; node l &gt;= 1 reads j =
 * input(l) and computes [c | k] = s_j . W_{l,j}, s_l = c * f_l(k) + (1 - c) * s_j; the next hidden
 * state is the average of the loose ends s_l; logits = h . embedding^T + bias. No dropout
 * (evaluation mode).
 */
public final class RnnReference {
  private RnnReference() {}

  /** What one step gives for a batch: logits (batch x vocabulary) and the next hidden state. */
  public record Step(double[] logits, double[] hidden) {}

  /**
   * @param tokens one token id per sequence of the batch
   * @param hidden the previous hidden state, batch x hidden, row-major
   */
  public static Step step(RnnArchitecture cell, RnnWeights w, int[] tokens, double[] hidden) {
    int h = w.hidden();
    int batch = tokens.length;
    if (hidden.length != batch * h) {
      throw new IllegalArgumentException(
          "hidden must hold " + batch + " x " + h + " values, got " + hidden.length);
    }
    if (w.nodes() != cell.nodes()) {
      throw new IllegalArgumentException(
          "weights are for " + w.nodes() + " nodes, the cell has " + cell.nodes());
    }
    List<Integer> ends = cell.looseEnds();
    double[] next = new double[batch * h];
    double[] logits = new double[batch * w.vocabulary()];
    for (int b = 0; b < batch; b++) {
      int token = tokens[b];
      if (token < 0 || token >= w.vocabulary()) {
        throw new IllegalArgumentException(
            "token " + token + " is outside 0.." + (w.vocabulary() - 1));
      }
      double[] prev = new double[h];
      System.arraycopy(hidden, b * h, prev, 0, h);
      double[] input = new double[2 * h];
      for (int i = 0; i < h; i++) {
        input[i] = w.embedding()[token * h + i];
        input[h + i] = prev[i];
      }
      double[][] s = new double[cell.nodes()][];
      s[0] = node(input, w.inputWeight(), prev, h, cell.activation(0));
      for (int l = 1; l < cell.nodes(); l++) {
        double[] from = s[cell.input(l)];
        s[l] = node(from, w.nodeWeights()[l], from, h, cell.activation(l));
      }
      for (int i = 0; i < h; i++) {
        double sum = 0;
        for (int end : ends) {
          sum += s[end][i];
        }
        next[b * h + i] = sum / ends.size();
      }
      for (int v = 0; v < w.vocabulary(); v++) {
        double z = w.decoderBias()[v];
        for (int i = 0; i < h; i++) {
          z += next[b * h + i] * w.embedding()[v * h + i];
        }
        logits[b * w.vocabulary() + v] = z;
      }
    }
    return new Step(logits, next);
  }

  /** One highway node: [c | k] = in . weight (rows = in.length, columns = 2h). */
  private static double[] node(
      double[] in, float[] weight, double[] carry, int h, dev.enas.space.RnnActivation activation) {
    double[] out = new double[h];
    for (int col = 0; col < h; col++) {
      double c = 0;
      double k = 0;
      for (int row = 0; row < in.length; row++) {
        c += in[row] * weight[row * 2 * h + col];
        k += in[row] * weight[row * 2 * h + h + col];
      }
      double gate = 1 / (1 + Math.exp(-c));
      out[col] = gate * activation.apply(k) + (1 - gate) * carry[col];
    }
    return out;
  }
}
