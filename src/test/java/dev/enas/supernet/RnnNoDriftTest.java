package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Trap 2 of the design for the recurrent space: a step moves only the sampled cell's tensors and
 * momentum buffers, every other W_{l,j} stays bit-identical, and evaluations move nothing.
 */
class RnnNoDriftTest {
  static final RnnNetworkSpec SPEC = new RnnNetworkSpec(11, 4, 0.1f, 0.2f, 0.2f);

  /** Momentum and weight decay, so a step that reached an idle tensor would move it. */
  static final SgdSettings SGD = new SgdSettings(0.9, 1e-3, 0.25);

  @Property(tries = 6)
  void aStepMovesExactlyTheCellsTensors(@ForAll long seed) {
    Random random = new Random(seed);
    RnnSpace space = new RnnSpace(6);
    try (RnnSupernet net = RnnSupernet.create(space, SPEC, SGD, seed)) {
      warmUp(net, random, 8);
      RnnArchitecture child = RnnFixtures.randomCell(space, random);
      Set<String> used = net.parametersOf(child);
      assertThat(used).hasSize(3 + space.nodes() - 1);
      Map<String, float[]> before = Fixtures.snapshot(net.store());
      List<String> idle = new ArrayList<>();
      List<String> active = new ArrayList<>();
      for (String key : before.keySet()) {
        (used.contains(Fixtures.paramName(key)) ? active : idle).add(key);
      }
      assertThat(
              idle.stream()
                  .filter(k -> k.endsWith("#momentum"))
                  .filter(k -> !isZero(before.get(k))))
          .as("idle edges with non-zero momentum")
          .isNotEmpty();

      StepResult result =
          net.trainStep(child, RnnFixtures.randomBatch(SPEC, 3, 5, false, random), 1.0);

      assertThat(result.applied()).isTrue();
      assertThat(result.updatedTensors()).isEqualTo(used.size());
      Map<String, float[]> after = Fixtures.snapshot(net.store());
      assertUnchanged(before, after, idle);
      for (String key : active) {
        assertThat(Arrays.equals(before.get(key), after.get(key)))
            .as("cell tensor %s changed", key)
            .isFalse();
      }
    }
  }

  @Test
  void evaluationsChangeNothingStored() {
    Random random = new Random(31);
    RnnSpace space = new RnnSpace(5);
    try (RnnSupernet net = RnnSupernet.create(space, SPEC, SGD, 31)) {
      warmUp(net, random, 3);
      Map<String, float[]> before = Fixtures.snapshot(net.store());
      float[] carried = net.passes().carriedTrainingState();
      RnnArchitecture child = RnnFixtures.randomCell(space, random);
      TokenBatch batch = RnnFixtures.randomBatch(SPEC, 3, 5, false, random);
      assertThat(net.evaluate(child, batch)).isGreaterThan(1.0);
      assertThat(net.evaluateFromZero(child, batch)).isGreaterThan(1.0);
      net.weightsOf(child);
      net.step(child, new int[] {1, 2}, new float[2 * SPEC.hidden()]);
      assertUnchanged(before, Fixtures.snapshot(net.store()), before.keySet());
      assertThat(net.passes().carriedTrainingState()).containsExactly(carried);
    }
  }

  @Test
  void aNonFiniteLossChangesNothingAndRestartsTheState() {
    Random random = new Random(32);
    RnnSpace space = new RnnSpace(4);
    RnnArchitecture chain = space.parse("rnn: 0 | 0 0 | 1 0 | 2 0");
    RnnArchitecture star = space.parse("rnn: 0 | 0 0 | 0 0 | 0 0");
    try (RnnSupernet net = RnnSupernet.create(space, SPEC, SGD, 32)) {
      warmUp(net, random, 3);
      List<TensorState> good = net.state();
      // A NaN edge that only the star cell reads: the chain still trains, the star cannot.
      List<TensorState> poisoned = new ArrayList<>();
      for (TensorState s : good) {
        float[] values = s.values().clone();
        if (s.name().equals(RnnCell.edge(3, 0))) {
          Arrays.fill(values, Float.NaN);
        }
        poisoned.add(new TensorState(s.name(), s.shape(), values, s.momentum()));
      }
      net.restore(poisoned);
      assertThat(
              net.trainStep(chain, RnnFixtures.randomBatch(SPEC, 2, 4, false, random), 1.0)
                  .applied())
          .isTrue();
      assertThat(net.passes().carriedTrainingState()).isNotNull();
      Map<String, float[]> before = Fixtures.snapshot(net.store());

      StepResult result =
          net.trainStep(star, RnnFixtures.randomBatch(SPEC, 2, 4, false, random), 1.0);

      assertThat(result.applied()).isFalse();
      assertThat(result.loss()).isNaN();
      assertUnchanged(before, Fixtures.snapshot(net.store()), before.keySet());
      assertThat(net.passes().carriedTrainingState()).isNull();

      // No gradient is left behind for the next step.
      net.restore(good);
      StepResult next =
          net.trainStep(star, RnnFixtures.randomBatch(SPEC, 2, 4, false, random), 1.0);
      assertThat(next.applied()).isTrue();
      assertThat(next.gradientNorm()).isFinite();
      assertThat(net.passes().carriedTrainingState()).isNotNull();
    }
  }

  static void warmUp(RnnSupernet net, Random random, int steps) {
    for (int s = 0; s < steps; s++) {
      StepResult r =
          net.trainStep(
              RnnFixtures.randomCell(net.space(), random),
              RnnFixtures.randomBatch(net.spec(), 3, 5, s == 0, random),
              1.0);
      assertThat(r.applied()).isTrue();
    }
  }

  private static void assertUnchanged(
      Map<String, float[]> before, Map<String, float[]> after, Iterable<String> keys) {
    for (String key : keys) {
      assertThat(Arrays.equals(before.get(key), after.get(key)))
          .as("tensor %s is bit-identical", key)
          .isTrue();
    }
  }

  private static boolean isZero(float[] values) {
    for (float v : values) {
      if (v != 0f) {
        return false;
      }
    }
    return true;
  }
}
