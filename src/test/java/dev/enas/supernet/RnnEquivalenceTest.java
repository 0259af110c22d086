package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;

/**
 * A supernet child and the standalone model built from its weights are the same network: equal
 * evaluation perplexities, equal training steps (with the same dropout masks), equal weights after.
 */
class RnnEquivalenceTest {
  private static final RnnSpace SPACE = new RnnSpace(6);
  private static final RnnNetworkSpec SPEC = RnnNoDriftTest.SPEC;
  private static final SgdSettings SGD = RnnNoDriftTest.SGD;
  private static List<TensorState> trained;

  @BeforeContainer
  static void trainSupernet() {
    // Some steps move the weights and momentum away from their initial values, so a standalone
    // model that kept its own would be noticed.
    try (RnnSupernet net = RnnSupernet.create(SPACE, SPEC, SGD, 61)) {
      RnnNoDriftTest.warmUp(net, new Random(61), 6);
      // Without momentum: a standalone model starts from weights alone, so the supernet may not
      // carry optimizer state into the compared steps either.
      trained =
          net.state().stream()
              .map(
                  t ->
                      new TensorState(
                          t.name(), t.shape(), t.values(), new float[t.values().length]))
              .toList();
    }
  }

  @AfterContainer
  static void forget() {
    trained = null;
  }

  @Property(tries = 6)
  void childAndStandaloneAgree(@ForAll long seed) {
    Random random = new Random(seed);
    // A fresh supernet with the trained weights: its dropout generator starts where a standalone
    // model of the same seed starts, so both draw the same masks.
    try (RnnSupernet net = RnnSupernet.create(SPACE, SPEC, SGD, seed)) {
      net.restore(trained);
      RnnArchitecture child = RnnFixtures.randomCell(SPACE, random);
      try (RnnLanguageModel model =
          RnnLanguageModel.fromWeights(child, SPEC, SGD, net.weightsOf(child), seed)) {
        TokenBatch first = RnnFixtures.randomBatch(SPEC, 3, 5, true, random);
        TokenBatch second = RnnFixtures.randomBatch(SPEC, 3, 5, false, random);
        assertThat(model.evaluate(first)).isCloseTo(net.evaluate(child, first), within(1e-4));
        assertThat(model.evaluate(second)).isCloseTo(net.evaluate(child, second), within(1e-4));
        for (TokenBatch batch : new TokenBatch[] {first, second}) {
          StepResult ours = net.trainStep(child, batch, 1.0);
          StepResult theirs = model.trainStep(batch, 1.0);
          assertThat(theirs.applied()).isTrue();
          assertThat(theirs.loss()).isCloseTo(ours.loss(), within(1e-5));
          assertThat(theirs.accuracy()).isEqualTo(ours.accuracy());
          assertThat(theirs.gradientNorm()).isCloseTo(ours.gradientNorm(), within(1e-5));
          assertThat(theirs.updatedTensors()).isEqualTo(ours.updatedTensors());
        }
        assertSameWeights(net.weightsOf(child), model.weights());
      }
    }
  }

  @Test
  void aModelOfTheSameSeedStartsFromTheChildsValues() {
    RnnArchitecture child = SPACE.parse("rnn: 1 | 0 0 | 1 2 | 0 3 | 3 1 | 2 2");
    try (RnnSupernet net = RnnSupernet.create(SPACE, SPEC, SGD, 62);
        RnnLanguageModel model = RnnLanguageModel.create(child, SPEC, SGD, 62)) {
      RnnWeights expected = net.weightsOf(child);
      RnnWeights actual = model.weights();
      assertThat(actual.embedding()).containsExactly(expected.embedding());
      assertThat(actual.decoderBias()).containsExactly(expected.decoderBias());
      assertThat(actual.inputWeight()).containsExactly(expected.inputWeight());
      for (int l = 1; l < child.nodes(); l++) {
        assertThat(actual.nodeWeights()[l]).containsExactly(expected.nodeWeights()[l]);
      }
      int h = SPEC.hidden();
      assertThat(model.parameterCount())
          .isEqualTo(SPEC.vocabulary() * (h + 1) + 4L * h * h + 5L * 2 * h * h);
    }
  }

  private static void assertSameWeights(RnnWeights expected, RnnWeights actual) {
    assertClose(expected.embedding(), actual.embedding());
    assertClose(expected.decoderBias(), actual.decoderBias());
    assertClose(expected.inputWeight(), actual.inputWeight());
    for (int l = 1; l < expected.nodes(); l++) {
      assertClose(expected.nodeWeights()[l], actual.nodeWeights()[l]);
    }
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f));
    }
  }
}
