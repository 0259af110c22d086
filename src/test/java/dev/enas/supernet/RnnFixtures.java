package dev.enas.supernet;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnActivation;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Cells, windows, weights and reference computations for the recurrent-network tests. */
final class RnnFixtures {
  private RnnFixtures() {}

  static RnnArchitecture randomCell(RnnSpace space, Random random) {
    return (RnnArchitecture) Fixtures.randomArchitecture(space, random);
  }

  /** A cell whose nodes all apply {@code activation}, each reading a random earlier node. */
  static RnnArchitecture uniformCell(RnnSpace space, RnnActivation activation, Random random) {
    int[] values = new int[space.decisionWidth()];
    values[0] = activation.ordinal();
    for (int l = 1; l < space.nodes(); l++) {
      values[2 * l - 1] = random.nextInt(l);
      values[2 * l] = activation.ordinal();
    }
    return space.fromDecisions(values);
  }

  static TokenBatch randomBatch(
      RnnNetworkSpec spec, int batch, int steps, boolean startsPass, Random random) {
    int[] inputs = new int[batch * steps];
    int[] targets = new int[batch * steps];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = random.nextInt(spec.vocabulary());
      targets[i] = random.nextInt(spec.vocabulary());
    }
    return new TokenBatch(inputs, targets, batch, steps, startsPass);
  }

  /** Weights drawn uniformly from ±range, wide enough that every activation bends. */
  static RnnWeights randomWeights(
      RnnArchitecture cell, RnnNetworkSpec spec, double range, Random random) {
    int v = spec.vocabulary();
    int h = spec.hidden();
    float[][] nodes = new float[cell.nodes()][];
    for (int l = 1; l < nodes.length; l++) {
      nodes[l] = uniform(2 * h * h, range, random);
    }
    return new RnnWeights(
        v,
        h,
        uniform(v * h, range, random),
        uniform(v, range, random),
        uniform(4 * h * h, range, random),
        nodes);
  }

  /** A supernet state with every tensor redrawn from ±range and zero momentum. */
  static List<TensorState> randomState(RnnSupernet net, double range, Random random) {
    List<TensorState> state = new ArrayList<>();
    for (TensorState s : net.state()) {
      state.add(
          new TensorState(
              s.name(),
              s.shape(),
              uniform(s.values().length, range, random),
              new float[s.values().length]));
    }
    return state;
  }

  static float[] uniform(int size, double range, Random random) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) ((2 * random.nextDouble() - 1) * range);
    }
    return values;
  }

  /**
   * Mean cross-entropy of a window computed step by step with {@link RnnReference}, from {@code
   * hidden}; the final state is written back into {@code hidden}.
   */
  static double referenceLoss(
      RnnArchitecture cell, RnnWeights w, TokenBatch batch, double[] hidden) {
    int b = batch.batchSize();
    int v = w.vocabulary();
    double total = 0;
    for (int t = 0; t < batch.steps(); t++) {
      int[] tokens = new int[b];
      for (int seq = 0; seq < b; seq++) {
        tokens[seq] = batch.inputs()[seq * batch.steps() + t];
      }
      RnnReference.Step step = RnnReference.step(cell, w, tokens, hidden);
      System.arraycopy(step.hidden(), 0, hidden, 0, hidden.length);
      for (int seq = 0; seq < b; seq++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
          max = Math.max(max, step.logits()[seq * v + k]);
        }
        double sum = 0;
        for (int k = 0; k < v; k++) {
          sum += Math.exp(step.logits()[seq * v + k] - max);
        }
        int target = batch.targets()[seq * batch.steps() + t];
        total += max + Math.log(sum) - step.logits()[seq * v + target];
      }
    }
    return total / (b * batch.steps());
  }
}
