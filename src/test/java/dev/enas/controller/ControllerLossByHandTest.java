package dev.enas.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.MacroSpace;
import dev.enas.spec.ControllerSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The controller's numbers on cases small enough to work out with pencil and paper. */
class ControllerLossByHandTest {
  private static final double KL_HALF_VS_04 = 0.5 * Math.log(0.5 / 0.4) + 0.5 * Math.log(0.5 / 0.6);

  /**
   * With every parameter zero the LSTM outputs zero, so every op logit and attention logit is 0:
   * each op is 1/6 and each skip bit is a fair coin, whatever was sampled.
   */
  @Test
  void zeroPolicyOnThreeLayers() {
    ControllerSpec spec = ControllerSpec.macroDefaults();
    LstmController controller = new LstmController(new MacroSpace(3), spec, 5);
    controller.parameters().values().forEach(values -> Arrays.fill(values, 0));

    Sample a = controller.sample();
    Sample b = controller.sample();
    // 3 op decisions and 0 + 1 + 2 skip bits.
    double logProb = -3 * Math.log(6) - 3 * Math.log(2);
    assertThat(a.logProbability()).isCloseTo(logProb, within(1e-12));
    assertThat(b.logProbability()).isCloseTo(logProb, within(1e-12));
    assertThat(a.entropy()).isCloseTo(-logProb, within(1e-12));
    assertThat(a.skipPenalty()).isCloseTo(3 * KL_HALF_VS_04, within(1e-12));

    // Rewards 0.2 and 0.6; the entropy bonus adds 1e-4 * entropy to each.
    double bonus = spec.entropyWeight() * a.entropy();
    double meanEffective = 0.4 + bonus;
    UpdateResult first = controller.update(List.of(new Reward(a, 0.2), new Reward(b, 0.6)));
    // The baseline starts at the first batch's mean, so advantages are -0.2 and +0.2 and their
    // log-probability terms cancel: the loss is the skip penalty alone.
    assertThat(first.loss()).isCloseTo(0.8 * 3 * KL_HALF_VS_04, within(1e-12));
    assertThat(first.meanReward()).isCloseTo(0.4, within(1e-12));
    assertThat(first.meanEntropy()).isCloseTo(-logProb, within(1e-12));
    assertThat(first.baseline()).isCloseTo(meanEffective, within(1e-12));
    assertThat(first.policyVersion()).isEqualTo(1);
    // All-zero weights are a stationary point: every gradient path multiplies by a zero weight.
    assertThat(first.gradientNorm()).isZero();

    // Second update: b = 0.99 * b + 0.01 * mean(R + 1e-4 * H), with H under the policy then.
    Sample c = controller.sample();
    UpdateResult second = controller.update(List.of(new Reward(c, 1.0)));
    double expected = 0.99 * meanEffective + 0.01 * (1.0 + 1e-4 * c.entropy());
    assertThat(second.baseline()).isCloseTo(expected, within(1e-12));
  }

  /**
   * One layer, hidden size 1, one LSTM layer, weights zero but chosen biases and op weights: h =
   * sigmoid(b_o) * tanh(sigmoid(b_i) * tanh(b_g)), logits_k = w_k * h, scaled by 1.5 * tanh(logit /
   * 2).
   */
  @Test
  void oneStepWithKnownActivations() {
    ControllerSpec d = ControllerSpec.macroDefaults();
    ControllerSpec spec =
        new ControllerSpec(
            "enas",
            1,
            1,
            1e-3,
            1.5,
            2.0,
            1.0,
            1e-4,
            0.99,
            0.4,
            0.8,
            5,
            0.999,
            1e-3,
            0.1,
            d.updatesPerEpoch(),
            d.childrenPerUpdate());
    LstmController controller = new LstmController(new MacroSpace(1), spec, 9);
    controller.parameters().values().forEach(values -> Arrays.fill(values, 0));
    double[] bias = controller.parameters().get("lstm.0.bias");
    bias[0] = 0.5; // input gate
    bias[1] = -1.0; // forget gate (irrelevant: the cell starts at zero)
    bias[2] = 2.0; // candidate
    bias[3] = 1.0; // output gate
    double[] w = controller.parameters().get("op.softmax");
    double[] weights = {3, -2, 0, 1, 5, -4};
    System.arraycopy(weights, 0, w, 0, 6);

    double h = sig(1.0) * Math.tanh(sig(0.5) * Math.tanh(2.0));
    double[] scaled = new double[6];
    double norm = 0;
    for (int k = 0; k < 6; k++) {
      scaled[k] = 1.5 * Math.tanh(weights[k] * h / 2.0);
      norm += Math.exp(scaled[k]);
    }
    double entropy = 0;
    for (int k = 0; k < 6; k++) {
      double p = Math.exp(scaled[k]) / norm;
      entropy -= p * Math.log(p);
    }
    for (int op = 0; op < 6; op++) {
      Sample s = controller.score(new MacroSpace(1).parse("macro: " + op));
      assertThat(s.logProbability()).isCloseTo(scaled[op] - Math.log(norm), within(1e-12));
      assertThat(s.entropy()).isCloseTo(entropy, within(1e-12));
      assertThat(s.skipPenalty()).isZero();
    }
  }

  private static double sig(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
