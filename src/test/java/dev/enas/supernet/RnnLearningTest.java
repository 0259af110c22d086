package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Training descends: a fixed cell learns a repetitive token stream within a few passes. */
class RnnLearningTest {
  private static final int BATCH = 4;
  private static final int STEPS = 8;

  @Test
  void aFixedCellLearnsARepeatingPhrase() {
    RnnNetworkSpec spec = new RnnNetworkSpec(12, 16, 0.05f, 0.1f, 0.1f);
    // The paper's PTB optimizer: plain SGD at learning rate 20, gradient norm clipped to 0.25.
    SgdSettings sgd = new SgdSettings(0, 1e-6, 0.25);
    RnnSpace space = new RnnSpace(4);
    RnnArchitecture cell = space.parse("rnn: 0 | 0 1 | 1 0 | 0 3");
    int[] stream = phraseStream(spec.vocabulary(), 9, 600, new Random(71));
    List<TokenBatch> pass = windows(stream);
    try (RnnSupernet net = RnnSupernet.create(space, spec, sgd, 71)) {
      double start = net.evaluateFromZero(cell, pass.get(1));
      int step = 0;
      while (step < 160) {
        for (TokenBatch batch : pass) {
          assertThat(net.trainStep(cell, batch, 20).applied()).isTrue();
          step++;
        }
      }
      double end = net.evaluateFromZero(cell, pass.get(1));
      assertThat(end).isLessThan(start / 2);
      try (RnnLanguageModel model =
          RnnLanguageModel.fromWeights(cell, spec, sgd, net.weightsOf(cell))) {
        assertThat(model.perplexity(stream, 2, STEPS)).isLessThan(start / 2);
      }
    }
  }

  /** A random phrase of {@code phrase} words repeated to {@code length} tokens. */
  static int[] phraseStream(int vocabulary, int phrase, int length, Random random) {
    int[] words = new int[phrase];
    for (int i = 0; i < phrase; i++) {
      words[i] = random.nextInt(vocabulary);
    }
    int[] stream = new int[length];
    for (int i = 0; i < length; i++) {
      stream[i] = words[i % phrase];
    }
    return stream;
  }

  /** One pass over the stream: BATCH rows side by side, windows of STEPS tokens. */
  static List<TokenBatch> windows(int[] stream) {
    int row = (stream.length - 1) / BATCH;
    List<TokenBatch> pass = new ArrayList<>();
    for (int from = 0; from + STEPS <= row; from += STEPS) {
      int[] inputs = new int[BATCH * STEPS];
      int[] targets = new int[BATCH * STEPS];
      for (int b = 0; b < BATCH; b++) {
        for (int t = 0; t < STEPS; t++) {
          inputs[b * STEPS + t] = stream[b * row + from + t];
          targets[b * STEPS + t] = stream[b * row + from + t + 1];
        }
      }
      pass.add(new TokenBatch(inputs, targets, BATCH, STEPS, from == 0));
    }
    return pass;
  }
}
