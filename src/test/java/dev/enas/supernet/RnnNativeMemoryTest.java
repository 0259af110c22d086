package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Recurrent steps and evaluations release every array they create; the managers stay flat. */
class RnnNativeMemoryTest {
  private static final RnnNetworkSpec SPEC = RnnNoDriftTest.SPEC;

  @Test
  void manySupernetStepsLeaveItsManagerFlat() {
    Random random = new Random(81);
    RnnSpace space = new RnnSpace(5);
    try (RnnSupernet net = RnnSupernet.create(space, SPEC, RnnNoDriftTest.SGD, 81)) {
      int before = net.store().openArrays();
      // Two arrays per tensor (value, momentum) and nothing else.
      assertThat(before).isEqualTo(2 * net.state().size());
      for (int s = 0; s < 150; s++) {
        RnnArchitecture child = RnnFixtures.randomCell(space, random);
        net.trainStep(child, RnnFixtures.randomBatch(SPEC, 3, 6, s % 20 == 0, random), 1.0);
        if (s % 10 == 0) {
          net.evaluate(child, RnnFixtures.randomBatch(SPEC, 3, 6, false, random));
          net.evaluateFromZero(child, RnnFixtures.randomBatch(SPEC, 2, 4, false, random));
          net.step(child, new int[] {1}, new float[SPEC.hidden()]);
          net.weightsOf(child);
        }
      }
      assertThat(net.store().openArrays()).isEqualTo(before);
    }
  }

  @Test
  void manyModelStepsLeaveItsManagerFlat() {
    Random random = new Random(82);
    RnnArchitecture cell = RnnFixtures.randomCell(new RnnSpace(4), random);
    try (RnnLanguageModel model = RnnLanguageModel.create(cell, SPEC, RnnNoDriftTest.SGD, 82)) {
      int before = model.store().openArrays();
      int[] stream = RnnLearningTest.phraseStream(SPEC.vocabulary(), 5, 40, random);
      for (int s = 0; s < 60; s++) {
        model.trainStep(RnnFixtures.randomBatch(SPEC, 3, 6, false, random), 1.0);
        model.evaluate(RnnFixtures.randomBatch(SPEC, 3, 6, false, random));
        if (s % 10 == 0) {
          model.perplexity(stream, 3, 5);
          model.step(new int[] {1, 2}, new float[2 * SPEC.hidden()]);
          model.weights();
        }
      }
      assertThat(model.store().openArrays()).isEqualTo(before);
    }
  }
}
