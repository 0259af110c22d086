package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plain tanh baseline, h_t = tanh(x_t W_x + h_{t-1} W_h), computes what that formula says when
 * written out by hand, shares the ENAS model's embedding and training, and learns.
 */
class RnnPlainTanhTest {
  private static final int VOCABULARY = 5;
  private static final int HIDDEN = 3;
  private static final RnnNetworkSpec TINY = RnnNetworkSpec.of(VOCABULARY, HIDDEN);
  private static final SgdSettings SGD = new SgdSettings(0, 0, 0);

  @Test
  void forwardMatchesAHandComputation() {
    Random random = new Random(11);
    try (RnnLanguageModel model = RnnLanguageModel.plainTanh(TINY, SGD, 3)) {
      assertThat(model.isPlainTanh()).isTrue();
      // Wide enough that tanh bends: a linear layer would not pass for it.
      List<TensorState> drawn = new ArrayList<>();
      for (TensorState s : model.state()) {
        drawn.add(
            new TensorState(
                s.name(),
                s.shape(),
                RnnFixtures.uniform(s.values().length, 0.8, random),
                new float[s.values().length]));
      }
      model.restore(drawn);
      float[] embedding = values(drawn, RnnCell.EMBEDDING, VOCABULARY, HIDDEN);
      float[] bias = values(drawn, RnnCell.DECODER_BIAS, VOCABULARY);
      float[] input = values(drawn, RnnCell.INPUT_WEIGHT, 2 * HIDDEN, HIDDEN);

      // One step for a batch of two from a non-zero state.
      int[] tokens = {4, 1};
      float[] hidden = RnnFixtures.uniform(2 * HIDDEN, 1.0, random);
      float[][] step = model.step(tokens, hidden);
      for (int b = 0; b < 2; b++) {
        double[] previous = new double[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
          previous[i] = hidden[b * HIDDEN + i];
        }
        double[] next = byHand(embedding, input, tokens[b], previous);
        double[] logits = logits(embedding, bias, next);
        for (int i = 0; i < HIDDEN; i++) {
          assertThat((double) step[1][b * HIDDEN + i])
              .as("hidden %d of sequence %d", i, b)
              .isCloseTo(next[i], within(1e-5));
        }
        for (int v = 0; v < VOCABULARY; v++) {
          assertThat((double) step[0][b * VOCABULARY + v])
              .as("logit %d of sequence %d", v, b)
              .isCloseTo(logits[v], within(1e-5));
        }
      }

      // A stream read in windows of 3 with the state carried from window to window.
      int[] stream = {1, 4, 0, 2, 3, 3, 1, 0, 4};
      double[] state = new double[HIDDEN];
      double loss = 0;
      for (int t = 0; t + 1 < stream.length; t++) {
        state = byHand(embedding, input, stream[t], state);
        loss += crossEntropy(logits(embedding, bias, state), stream[t + 1]);
      }
      double perplexity = Math.exp(loss / (stream.length - 1));
      assertThat(model.perplexity(stream, 1, 3)).isCloseTo(perplexity, within(1e-5 * perplexity));
    }
  }

  @Test
  void sharesTheEnasModelsEmbeddingAndSizesItsInputMatrixWithoutTheGate() {
    RnnNetworkSpec spec = RnnNetworkSpec.of(9, 6);
    try (RnnLanguageModel plain = RnnLanguageModel.plainTanh(spec, SGD, 5);
        RnnLanguageModel enas =
            RnnLanguageModel.create(new RnnSpace(1).parse("rnn: 0"), spec, SGD, 5)) {
      TensorState plainEmbedding = find(plain.state(), RnnCell.EMBEDDING);
      TensorState enasEmbedding = find(enas.state(), RnnCell.EMBEDDING);
      assertThat(plainEmbedding.values()).containsExactly(enasEmbedding.values());
      assertThat(find(plain.state(), RnnCell.INPUT_WEIGHT).shape()).containsExactly(12, 6);
      // Embedding, decoder bias, [W_x; W_h]; no bias in the recurrent layer.
      assertThat(plain.parameterCount()).isEqualTo(9 * 6 + 9 + 12 * 6);
      assertThat(enas.parameterCount()).isEqualTo(9 * 6 + 9 + 12 * 12);
      assertThat(enas.isPlainTanh()).isFalse();
      assertThatThrownBy(plain::weights).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void learnsARepeatingPhrase() {
    RnnNetworkSpec spec = new RnnNetworkSpec(12, 16, 0.05f, 0.1f, 0.1f);
    SgdSettings sgd = new SgdSettings(0, 1e-6, 0.25);
    int[] stream = RnnLearningTest.phraseStream(spec.vocabulary(), 9, 600, new Random(71));
    List<TokenBatch> pass = RnnLearningTest.windows(stream);
    try (RnnLanguageModel model = RnnLanguageModel.plainTanh(spec, sgd, 71)) {
      double start = model.perplexity(stream, 2, 8);
      int step = 0;
      while (step < 160) {
        for (TokenBatch batch : pass) {
          assertThat(model.trainStep(batch, 20).applied()).isTrue();
          step++;
        }
      }
      assertThat(model.perplexity(stream, 2, 8)).isLessThan(start / 2);
    }
  }

  /** h = tanh(x W_x + h_prev W_h) with [W_x; W_h] = input (2H x H, row-major), x = E[token]. */
  private static double[] byHand(float[] embedding, float[] input, int token, double[] previous) {
    double[] next = new double[HIDDEN];
    for (int j = 0; j < HIDDEN; j++) {
      double sum = 0;
      for (int i = 0; i < HIDDEN; i++) {
        sum += embedding[token * HIDDEN + i] * input[i * HIDDEN + j];
        sum += previous[i] * input[(HIDDEN + i) * HIDDEN + j];
      }
      next[j] = Math.tanh(sum);
    }
    return next;
  }

  /** The tied decoder: logits_v = h . E[v] + b_v. */
  private static double[] logits(float[] embedding, float[] bias, double[] h) {
    double[] logits = new double[VOCABULARY];
    for (int v = 0; v < VOCABULARY; v++) {
      double z = bias[v];
      for (int i = 0; i < HIDDEN; i++) {
        z += h[i] * embedding[v * HIDDEN + i];
      }
      logits[v] = z;
    }
    return logits;
  }

  private static double crossEntropy(double[] logits, int target) {
    double sum = 0;
    for (double z : logits) {
      sum += Math.exp(z);
    }
    return Math.log(sum) - logits[target];
  }

  private static float[] values(List<TensorState> state, String name, long... shape) {
    TensorState s = find(state, name);
    assertThat(s.shape()).as(name).containsExactly(shape);
    return s.values();
  }

  private static TensorState find(List<TensorState> state, String name) {
    return state.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
