package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnActivation;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The DJL cell, in the supernet and in the standalone model, computes what {@link RnnReference}
 * defines: one step's logits and next hidden state, and a window's loss step by step.
 */
class RnnCellTest {
  private static final RnnNetworkSpec TINY = RnnNetworkSpec.of(7, 4);
  private static final SgdSettings SGD = new SgdSettings(0, 0, 0);

  /** Wide enough that gates and activations work away from their linear region. */
  private static final double RANGE = 0.8;

  @Test
  void standaloneStepMatchesReferenceForEveryActivation() {
    Random random = new Random(1);
    for (RnnActivation activation : RnnActivation.values()) {
      for (int nodes = 1; nodes <= 5; nodes++) {
        RnnArchitecture cell = RnnFixtures.uniformCell(new RnnSpace(nodes), activation, random);
        RnnWeights weights = RnnFixtures.randomWeights(cell, TINY, RANGE, random);
        assertStandaloneMatches(cell, weights, random);
      }
    }
  }

  @Test
  void supernetStepMatchesReferenceForEveryActivation() {
    Random random = new Random(2);
    for (int nodes = 1; nodes <= 5; nodes++) {
      RnnSpace space = new RnnSpace(nodes);
      try (RnnSupernet net = RnnSupernet.create(space, TINY, SGD, nodes)) {
        net.restore(RnnFixtures.randomState(net, RANGE, random));
        for (RnnActivation activation : RnnActivation.values()) {
          assertSupernetMatches(net, RnnFixtures.uniformCell(space, activation, random), random);
        }
      }
    }
  }

  @Property(tries = 25)
  void everyCellMatchesReference(
      @ForAll @IntRange(min = 1, max = 6) int nodes,
      @ForAll @IntRange(min = 1, max = 4) int batch,
      @ForAll long seed) {
    Random random = new Random(seed);
    RnnSpace space = new RnnSpace(nodes);
    RnnArchitecture cell = RnnFixtures.randomCell(space, random);
    RnnNetworkSpec spec = RnnNetworkSpec.of(2 + random.nextInt(8), 1 + random.nextInt(5));
    assertStandaloneMatches(
        cell, RnnFixtures.randomWeights(cell, spec, RANGE, random), spec, batch, random);
    try (RnnSupernet net = RnnSupernet.create(space, spec, SGD, seed)) {
      net.restore(RnnFixtures.randomState(net, RANGE, random));
      assertSupernetMatches(net, cell, random);
    }
  }

  @Test
  void windowsMatchReferenceStepByStepWithTheCarriedState() {
    Random random = new Random(3);
    RnnSpace space = new RnnSpace(5);
    try (RnnSupernet net = RnnSupernet.create(space, TINY, SGD, 4)) {
      net.restore(RnnFixtures.randomState(net, RANGE, random));
      RnnArchitecture child = RnnFixtures.randomCell(space, random);
      RnnWeights w = net.weightsOf(child);
      TokenBatch first = RnnFixtures.randomBatch(TINY, 3, 6, true, random);
      TokenBatch second = RnnFixtures.randomBatch(TINY, 3, 6, false, random);
      double[] hidden = new double[3 * TINY.hidden()];
      double firstLoss = RnnFixtures.referenceLoss(child, w, first, hidden);
      double secondLoss = RnnFixtures.referenceLoss(child, w, second, hidden);

      assertThat(Math.log(net.evaluateFromZero(child, first))).isCloseTo(firstLoss, within(1e-5));
      assertThat(Math.log(net.evaluate(child, first))).isCloseTo(firstLoss, within(1e-5));
      assertThat(Math.log(net.evaluate(child, second))).isCloseTo(secondLoss, within(1e-5));
      // From zero again: the second window alone differs from the carried one.
      double[] zero = new double[3 * TINY.hidden()];
      double alone = RnnFixtures.referenceLoss(child, w, second, zero);
      assertThat(Math.log(net.evaluateFromZero(child, second))).isCloseTo(alone, within(1e-5));
      assertThat(alone).isNotCloseTo(secondLoss, within(1e-4));

      // A training step reports the loss before its update, from its own carried state.
      StepResult step = net.trainStep(child, first, 0.0);
      assertThat(step.loss()).isCloseTo(firstLoss, within(1e-5));
      assertThat(net.trainStep(child, second, 0.0).loss()).isCloseTo(secondLoss, within(1e-5));
    }
  }

  @Test
  void streamPerplexityReadsRowsSideBySide() {
    Random random = new Random(5);
    RnnArchitecture cell = RnnFixtures.randomCell(new RnnSpace(4), random);
    RnnWeights weights = RnnFixtures.randomWeights(cell, TINY, RANGE, random);
    int[] stream = new int[23];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = random.nextInt(TINY.vocabulary());
    }
    // Two rows of (23 - 1) / 2 = 11 positions, read in windows of 4, 4 and 3.
    int rows = 2;
    int length = 11;
    int[] inputs = new int[rows * length];
    int[] targets = new int[rows * length];
    for (int b = 0; b < rows; b++) {
      for (int t = 0; t < length; t++) {
        inputs[b * length + t] = stream[b * length + t];
        targets[b * length + t] = stream[b * length + t + 1];
      }
    }
    double expected =
        RnnFixtures.referenceLoss(
            cell,
            weights,
            new TokenBatch(inputs, targets, rows, length, true),
            new double[rows * 4]);
    try (RnnLanguageModel model = RnnLanguageModel.fromWeights(cell, TINY, SGD, weights)) {
      assertThat(Math.log(model.perplexity(stream, rows, 4))).isCloseTo(expected, within(1e-5));
    }
  }

  private static void assertStandaloneMatches(
      RnnArchitecture cell, RnnWeights weights, Random random) {
    assertStandaloneMatches(cell, weights, TINY, 3, random);
  }

  private static void assertStandaloneMatches(
      RnnArchitecture cell, RnnWeights weights, RnnNetworkSpec spec, int batch, Random random) {
    int[] tokens = tokens(spec, batch, random);
    float[] hidden = RnnFixtures.uniform(batch * spec.hidden(), 1.0, random);
    RnnReference.Step expected = RnnReference.step(cell, weights, tokens, toDouble(hidden));
    try (RnnLanguageModel model = RnnLanguageModel.fromWeights(cell, spec, SGD, weights)) {
      assertClose(model.step(tokens, hidden), expected, cell);
    }
  }

  private static void assertSupernetMatches(RnnSupernet net, RnnArchitecture cell, Random random) {
    RnnNetworkSpec spec = net.spec();
    int batch = 1 + random.nextInt(3);
    int[] tokens = tokens(spec, batch, random);
    float[] hidden = RnnFixtures.uniform(batch * spec.hidden(), 1.0, random);
    RnnWeights weights = net.weightsOf(cell);
    // The child's weights are the stored tensors of its edges.
    List<TensorState> state = net.state();
    for (int l = 1; l < cell.nodes(); l++) {
      String name = RnnCell.edge(l, cell.input(l));
      TensorState stored =
          state.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
      assertThat(weights.nodeWeights()[l]).as(name).containsExactly(stored.values());
    }
    RnnReference.Step expected = RnnReference.step(cell, weights, tokens, toDouble(hidden));
    assertClose(net.step(cell, tokens, hidden), expected, cell);
  }

  private static void assertClose(
      float[][] actual, RnnReference.Step expected, RnnArchitecture cell) {
    assertThat(actual[0]).hasSameSizeAs(expected.logits());
    assertThat(actual[1]).hasSameSizeAs(expected.hidden());
    for (int i = 0; i < expected.logits().length; i++) {
      assertThat((double) actual[0][i])
          .as("logit %d of %s", i, cell)
          .isCloseTo(expected.logits()[i], within(1e-5));
    }
    for (int i = 0; i < expected.hidden().length; i++) {
      assertThat((double) actual[1][i])
          .as("hidden %d of %s", i, cell)
          .isCloseTo(expected.hidden()[i], within(1e-5));
    }
  }

  private static int[] tokens(RnnNetworkSpec spec, int batch, Random random) {
    int[] tokens = new int[batch];
    for (int b = 0; b < batch; b++) {
      tokens[b] = random.nextInt(spec.vocabulary());
    }
    return tokens;
  }

  private static double[] toDouble(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
