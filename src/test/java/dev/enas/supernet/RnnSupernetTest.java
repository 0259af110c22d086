package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The recurrent supernet's contract beyond the cell's math: state, dropout, checks, threads. */
class RnnSupernetTest {
  private static final RnnSpace SPACE = new RnnSpace(4);
  private static final RnnNetworkSpec PLAIN = RnnNetworkSpec.of(9, 5);
  private static final SgdSettings SGD = new SgdSettings(0.5, 1e-4, 0.25);

  @Test
  void specRejectsBadValuesNamingTheField() {
    assertThatThrownBy(() -> new RnnNetworkSpec(1, 4, 0, 0, 0)).hasMessageContaining("vocabulary");
    assertThatThrownBy(() -> new RnnNetworkSpec(5, 0, 0, 0, 0)).hasMessageContaining("hidden");
    assertThatThrownBy(() -> new RnnNetworkSpec(5, 4, 1f, 0, 0))
        .hasMessageContaining("embeddingDropout");
    assertThatThrownBy(() -> new RnnNetworkSpec(5, 4, 0, -0.1f, 0))
        .hasMessageContaining("inputDropout");
    assertThatThrownBy(() -> new RnnNetworkSpec(5, 4, 0, 0, Float.NaN))
        .hasMessageContaining("outputDropout");
  }

  @Test
  void badInputsAreRejectedBeforeAnythingRuns() {
    try (RnnSupernet net = RnnSupernet.create(SPACE, PLAIN, SGD, 1)) {
      RnnArchitecture child = SPACE.parse("rnn: 0 | 0 0 | 1 1 | 1 2");
      TokenBatch outside = new TokenBatch(new int[] {1, 9}, new int[] {2, 3}, 1, 2, true);
      assertThatThrownBy(() -> net.trainStep(child, outside, 1.0))
          .hasMessageContaining("inputs[1] is 9");
      assertThatThrownBy(() -> net.evaluate(child, outside)).hasMessageContaining("inputs[1]");
      TokenBatch fine = new TokenBatch(new int[] {1, 2}, new int[] {2, 3}, 1, 2, true);
      assertThatThrownBy(() -> net.trainStep(child, fine, Double.NaN))
          .hasMessageContaining("learning rate");
      RnnArchitecture other = new RnnSpace(3).parse("rnn: 0 | 0 0 | 1 1");
      assertThatThrownBy(() -> net.evaluate(other, fine)).hasMessageContaining("space");
      assertThat(net.passes().carriedTrainingState()).isNull();
    }
    RnnArchitecture cell = SPACE.parse("rnn: 0 | 0 0 | 1 1 | 1 2");
    try (RnnLanguageModel model = RnnLanguageModel.create(cell, PLAIN, SGD, 2)) {
      assertThatThrownBy(() -> model.perplexity(new int[] {1, 2, 3}, 3, 5))
          .hasMessageContaining("at least 4");
      assertThatThrownBy(() -> model.step(new int[] {1}, new float[3]))
          .hasMessageContaining("hidden must hold 1 x 5");
      RnnWeights wrongWidth =
          RnnFixtures.randomWeights(cell, RnnNetworkSpec.of(9, 4), 0.1, new Random(3));
      assertThatThrownBy(() -> RnnLanguageModel.fromWeights(cell, PLAIN, SGD, wrongWidth))
          .hasMessageContaining("hidden 4");
    }
  }

  @Test
  void theTrainingStateIsCarriedUntilAPassStartsOrTheBatchSizeChanges() {
    Random random = new Random(4);
    RnnArchitecture child = RnnFixtures.randomCell(SPACE, random);
    try (RnnSupernet net = RnnSupernet.create(SPACE, PLAIN, SGD, 4)) {
      // Large weights, so the state a window starts from visibly changes its loss.
      net.restore(RnnFixtures.randomState(net, 2.0, random));
      TokenBatch first = RnnFixtures.randomBatch(PLAIN, 3, 2, true, random);
      TokenBatch second = RnnFixtures.randomBatch(PLAIN, 3, 2, false, random);
      TokenBatch narrower = RnnFixtures.randomBatch(PLAIN, 2, 2, false, random);
      double carried = Math.log(net.evaluate(child, first));
      carried = Math.log(net.evaluate(child, second));
      double fromZero = Math.log(net.evaluateFromZero(child, second));
      assertThat(carried).isNotCloseTo(fromZero, within(1e-3));

      // At learning rate 0 the weights stay, so each loss shows which state the step started from.
      net.trainStep(child, first, 0);
      assertThat(net.trainStep(child, second, 0).loss()).isCloseTo(carried, within(1e-5));
      TokenBatch restart = new TokenBatch(second.inputs(), second.targets(), 3, 2, true);
      assertThat(net.trainStep(child, restart, 0).loss()).isCloseTo(fromZero, within(1e-5));
      assertThat(net.trainStep(child, narrower, 0).loss())
          .isCloseTo(Math.log(net.evaluateFromZero(child, narrower)), within(1e-5));

      // Training moved its own state only: evaluation still continues from where it stopped.
      net.evaluate(child, first);
      net.trainStep(child, narrower, 0);
      assertThat(Math.log(net.evaluate(child, second))).isCloseTo(carried, within(1e-5));
    }
  }

  @Test
  void theSameSeedGivesTheSameRunAndDropoutMatters() {
    RnnNetworkSpec dropping = new RnnNetworkSpec(9, 5, 0.2f, 0.3f, 0.3f);
    List<TensorState> a = run(dropping, 5);
    List<TensorState> b = run(dropping, 5);
    List<TensorState> plain = run(PLAIN, 5);
    for (int i = 0; i < a.size(); i++) {
      assertThat(b.get(i).values()).as(a.get(i).name()).containsExactly(a.get(i).values());
    }
    assertThat(plain.get(0).values()).isNotEqualTo(a.get(0).values());
  }

  @Test
  void masksAreLockedAndScaled() {
    RnnNetworkSpec spec = new RnnNetworkSpec(6, 8, 0.4f, 0.3f, 0.5f);
    try (RnnSupernet net = RnnSupernet.create(SPACE, spec, SGD, 6)) {
      TokenBatch batch = RnnFixtures.randomBatch(spec, 16, 30, true, new Random(6));
      RnnCell.Masks masks = net.passes().drawMasks(batch);
      assertThat(masks.input()).hasSize(16 * 8).containsOnly(0f, 1f / 0.7f);
      assertThat(masks.output()).hasSize(16 * 8).containsOnly(0f, 2f);
      assertThat(masks.embedding()).hasSize(16 * 30).containsOnly(0f, 1f / 0.6f);
      // A word is dropped or kept for all of its occurrences in a sequence's window.
      int dropped = 0;
      for (int b = 0; b < 16; b++) {
        for (int t = 0; t < 30; t++) {
          for (int u = 0; u < 30; u++) {
            if (batch.inputs()[b * 30 + t] == batch.inputs()[b * 30 + u]) {
              assertThat(masks.embedding()[t * 16 + b]).isEqualTo(masks.embedding()[u * 16 + b]);
            }
          }
          dropped += masks.embedding()[t * 16 + b] == 0f ? 1 : 0;
        }
      }
      assertThat(dropped).isBetween(16 * 30 / 10, 16 * 30 * 7 / 10);
    }
  }

  @Test
  void restoreRoundTripsAndRejectsAnotherShape() {
    Random random = new Random(7);
    try (RnnSupernet net = RnnSupernet.create(SPACE, PLAIN, SGD, 7);
        RnnSupernet wider = RnnSupernet.create(SPACE, RnnNetworkSpec.of(9, 6), SGD, 7)) {
      RnnNoDriftTest.warmUp(net, random, 2);
      List<TensorState> saved = net.state();
      RnnNoDriftTest.warmUp(net, random, 2);
      net.restore(saved);
      List<TensorState> back = net.state();
      for (int i = 0; i < saved.size(); i++) {
        assertThat(back.get(i).values()).containsExactly(saved.get(i).values());
        assertThat(back.get(i).momentum()).containsExactly(saved.get(i).momentum());
      }
      assertThat(net.passes().carriedTrainingState()).isNull();
      assertThatThrownBy(() -> wider.restore(saved)).hasMessageContaining("embedding");
    }
  }

  @Test
  void networksBuildAndTrainOnThreadsThatNeverSawTheEngine() throws Exception {
    RnnArchitecture child = SPACE.parse("rnn: 2 | 0 0 | 0 3 | 2 1");
    TokenBatch batch = RnnFixtures.randomBatch(PLAIN, 2, 3, false, new Random(8));
    ExecutorService first = Executors.newSingleThreadExecutor();
    ExecutorService second = Executors.newSingleThreadExecutor();
    try {
      RnnSupernet net =
          CompletableFuture.supplyAsync(() -> RnnSupernet.create(SPACE, PLAIN, SGD, 8), first)
              .get(60, TimeUnit.SECONDS);
      StepResult step =
          CompletableFuture.supplyAsync(() -> net.trainStep(child, batch, 1.0), second)
              .get(60, TimeUnit.SECONDS);
      assertThat(step.applied()).isTrue();
      RnnLanguageModel model =
          CompletableFuture.supplyAsync(
                  () -> {
                    RnnLanguageModel m =
                        RnnLanguageModel.fromWeights(child, PLAIN, SGD, net.weightsOf(child));
                    m.trainStep(batch, 1.0);
                    return m;
                  },
                  Executors.newSingleThreadExecutor())
              .get(60, TimeUnit.SECONDS);
      assertThat(model.evaluate(batch)).isGreaterThan(1.0);
      model.close();
      net.close();
    } finally {
      first.shutdownNow();
      second.shutdownNow();
    }
  }

  private static List<TensorState> run(RnnNetworkSpec spec, long seed) {
    Random random = new Random(seed);
    try (RnnSupernet net = RnnSupernet.create(SPACE, spec, SGD, seed)) {
      RnnNoDriftTest.warmUp(net, random, 4);
      return net.state();
    }
  }
}
