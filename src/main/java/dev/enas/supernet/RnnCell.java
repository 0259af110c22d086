package dev.enas.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.enas.space.RnnActivation;
import dev.enas.space.RnnArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The recurrent language model's forward pass in DJL operations: the one implementation of the cell
 * that the supernet and the standalone model both run, each handing it the tensors of the child it
 * computes. The math is {@link RnnReference}'s, written for a whole window at once.
 *
 * <p>Everything is time-major inside: row {@code t * batch + b} is sequence b at step t, so each
 * step's slice is a contiguous block. The input half of node 0 is one matrix product for the whole
 * window (x_t does not depend on the recurrence); the time loop then runs one product per node and
 * step.
 *
 * <p>DJL attaches an operation's result to its first operand's manager. Results that start from a
 * stored tensor are moved to the pass's manager at once, so nothing lands in the store's.
 */
final class RnnCell {
  static final String EMBEDDING = "embedding";
  static final String DECODER_BIAS = "decoder_bias";
  static final String INPUT_WEIGHT = "input_weight";

  private RnnCell() {}

  /** The name of W_{l,j}, the matrix of the edge from node j to node l. */
  static String edge(int node, int from) {
    return "w_" + node + "_" + from;
  }

  /**
   * The tensors one child reads: {@code nodeWeights[l]} is W_{l,input(l)} for l &gt;= 1, and {@code
   * nodeWeights[0]} is null (node 0 reads {@code inputWeight}).
   *
   * <p>{@code gatedInput} is true for every ENAS cell: node 0 is a highway node and {@code
   * inputWeight} is 2H x 2H. False only for the plain recurrent baseline, whose node 0 has no gate:
   * {@code inputWeight} is 2H x H and s_0 = f_0([x_t, h_{t-1}] . inputWeight).
   */
  record Weights(
      Param embedding,
      Param decoderBias,
      Param inputWeight,
      Param[] nodeWeights,
      boolean gatedInput) {
    /** Every tensor, each once, in a fixed order: the set a training step updates. */
    List<Param> all() {
      List<Param> all = new ArrayList<>(nodeWeights.length + 2);
      all.add(embedding);
      all.add(decoderBias);
      all.add(inputWeight);
      for (int l = 1; l < nodeWeights.length; l++) {
        all.add(nodeWeights[l]);
      }
      return all;
    }

    /** The child's tensors among {@code store}'s, found by name; node 0 is a highway node. */
    static Weights of(ParamStore store, RnnArchitecture cell) {
      return of(store, cell, true);
    }

    /** As {@link #of(ParamStore, RnnArchitecture)}, with or without node 0's gate. */
    static Weights of(ParamStore store, RnnArchitecture cell, boolean gatedInput) {
      Param[] nodes = new Param[cell.nodes()];
      for (int l = 1; l < cell.nodes(); l++) {
        nodes[l] = store.get(edge(l, cell.input(l)));
      }
      return new Weights(
          store.get(EMBEDDING),
          store.get(DECODER_BIAS),
          store.get(INPUT_WEIGHT),
          nodes,
          gatedInput);
    }
  }

  /**
   * Locked dropout masks for one window, already scaled by 1 / (1 - rate); a null mask means no
   * dropout there. {@code embedding} holds one factor per position (time-major, steps x batch),
   * {@code input} and {@code output} one per sequence and unit (batch x hidden).
   */
  record Masks(float[] embedding, float[] input, float[] output) {
    static final Masks NONE = new Masks(null, null, null);
  }

  /**
   * What a window's forward pass leaves: the decoder's logits ((steps x batch) x vocabulary,
   * time-major) and the hidden state after the last step (batch x hidden), before output dropout.
   */
  record Window(NDArray logits, NDArray lastHidden) {}

  /**
   * Runs the model over a window.
   *
   * @param tokens int64, steps x batch, time-major
   * @param hidden the state before the first step, batch x hidden; it is only read
   */
  static Window forward(
      NDManager pass,
      RnnArchitecture cell,
      Weights w,
      NDArray tokens,
      int batch,
      int steps,
      NDArray hidden,
      Masks masks) {
    int h = (int) w.embedding().shape()[1];
    NDArray x =
        local(
            pass,
            Embedding.embedding(tokens, w.embedding().value(), SparseFormat.DENSE)
                .singletonOrThrow());
    if (masks.embedding() != null) {
      x = x.mul(pass.create(masks.embedding(), new Shape((long) steps * batch, 1)));
    }
    if (masks.input() != null) {
      x =
          x.reshape(steps, batch, h)
              .mul(pass.create(masks.input(), new Shape(1, batch, h)))
              .reshape((long) steps * batch, h);
    }
    NDList halves = w.inputWeight().value().split(2, 0);
    NDArray fromInput = local(pass, halves.get(0));
    NDArray fromHidden = local(pass, halves.get(1));
    NDList inputTerms = x.matMul(fromInput).split(steps, 0);

    List<Integer> ends = cell.looseEnds();
    NDArray[] s = new NDArray[cell.nodes()];
    NDList outputs = new NDList(steps);
    NDArray state = hidden;
    for (int t = 0; t < steps; t++) {
      NDArray pre = inputTerms.get(t).add(state.matMul(fromHidden));
      s[0] =
          w.gatedInput()
              ? highway(pre, state, cell.activation(0))
              : activate(pre, cell.activation(0));
      for (int l = 1; l < cell.nodes(); l++) {
        NDArray from = s[cell.input(l)];
        s[l] = highway(from.matMul(w.nodeWeights()[l].value()), from, cell.activation(l));
      }
      state = average(pass, s, ends);
      outputs.add(state);
    }
    NDArray out = NDArrays.stack(outputs, 0);
    if (masks.output() != null) {
      out = out.mul(pass.create(masks.output(), new Shape(1, batch, h)));
    }
    out = out.reshape((long) steps * batch, h);
    NDArray logits =
        Linear.linear(out, w.embedding().value(), w.decoderBias().value()).singletonOrThrow();
    return new Window(logits, state);
  }

  /**
   * s = carry + c * (f(k) - carry) with [c | k] = {@code pre}, c = sigmoid(c): the reference's c *
   * f(k) + (1 - c) * carry in three operations instead of four.
   */
  private static NDArray highway(NDArray pre, NDArray carry, RnnActivation activation) {
    NDList parts = pre.split(2, 1);
    NDArray gate = Activation.sigmoid(parts.get(0));
    NDArray candidate = activate(parts.get(1), activation);
    return carry.add(gate.mul(candidate.sub(carry)));
  }

  private static NDArray activate(NDArray x, RnnActivation activation) {
    return switch (activation) {
      case TANH -> Activation.tanh(x);
      case RELU -> Activation.relu(x);
      case IDENTITY -> x;
      case SIGMOID -> Activation.sigmoid(x);
    };
  }

  /**
   * The mean of the loose ends. The divisor is a tensor of the pass, not a Java number: DJL's
   * number overloads (x.div(2)) wrap the number in a tensor over a direct buffer and close it at
   * once, while autograd reads it again in backward, after the garbage collector may have freed the
   * buffer; gradients then came out scaled by whatever lay there.
   */
  private static NDArray average(NDManager pass, NDArray[] s, List<Integer> ends) {
    NDArray sum = s[ends.get(0)];
    for (int i = 1; i < ends.size(); i++) {
      sum = sum.add(s[ends.get(i)]);
    }
    return ends.size() == 1 ? sum : sum.div(pass.create((float) ends.size()));
  }

  /**
   * Per-position negative log-likelihoods of the targets (int64, (steps x batch) x 1) under the
   * logits, as a column.
   */
  static NDArray negativeLogLikelihood(NDArray logits, NDArray targets) {
    return logits.logSoftmax(1).gather(targets, 1).neg();
  }

  private static NDArray local(NDManager pass, NDArray array) {
    array.attach(pass);
    return array;
  }
}
