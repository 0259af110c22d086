package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Trap 2 of the design: a step must move only the sampled child's weights, momentum buffers and
 * batch-norm statistics, and a reward evaluation must move nothing.
 */
class NoDriftTest {
  private static final int BATCH = 4;

  static NetworkSpec macroSpec() {
    return new NetworkSpec(6, 8, 4, 3, 8, 8, 0f, false);
  }

  static NetworkSpec microSpec() {
    return new NetworkSpec(1, 4, 4, 3, 8, 8, 0f, true);
  }

  @Test
  void macroStepTouchesOnlyTheChild() {
    SearchSpace space = new MacroSpace(6);
    try (Supernet net = Supernet.create(space, macroSpec(), SgdSettings.macroDefaults(), 1)) {
      assertOnlyChildMoves(net, new Random(11));
    }
  }

  @Test
  void microStepTouchesOnlyTheChild() {
    SearchSpace space = new MicroSpace(3);
    try (Supernet net = Supernet.create(space, microSpec(), SgdSettings.microDefaults(), 2)) {
      assertOnlyChildMoves(net, new Random(12));
    }
  }

  @Test
  void evaluationChangesNothing() {
    SearchSpace space = new MicroSpace(3);
    Random random = new Random(13);
    try (Supernet net = Supernet.create(space, microSpec(), SgdSettings.microDefaults(), 3)) {
      warmUp(net, random, 2);
      Map<String, float[]> before = Fixtures.snapshot(net.store());
      double accuracy =
          net.evaluate(
              Fixtures.randomArchitecture(space, random),
              Fixtures.images(net.spec(), BATCH, random),
              Fixtures.labels(net.spec(), BATCH, random));
      // An accuracy on random labels is no learning outcome, but it is a count of right answers.
      assertThat(accuracy * BATCH).isCloseTo(Math.rint(accuracy * BATCH), within(1e-9));
      assertUnchanged(before, Fixtures.snapshot(net.store()), before.keySet());
    }
  }

  @Test
  void nonFiniteLossIsReportedAndChangesNothing() {
    SearchSpace space = new MacroSpace(6);
    Random random = new Random(14);
    try (Supernet net = Supernet.create(space, macroSpec(), SgdSettings.macroDefaults(), 4)) {
      warmUp(net, random, 2);
      Map<String, float[]> before = Fixtures.snapshot(net.store());
      float[] images = Fixtures.images(net.spec(), BATCH, random);
      images[5] = Float.NaN;
      StepResult result =
          net.trainStep(
              Fixtures.randomArchitecture(space, random),
              images,
              Fixtures.labels(net.spec(), BATCH, random),
              0.05);
      assertThat(result.applied()).isFalse();
      assertThat(result.loss()).isNaN();
      assertUnchanged(before, Fixtures.snapshot(net.store()), before.keySet());
      // The rejected step must not leave gradients behind for the next one.
      Architecture child = Fixtures.randomArchitecture(space, random);
      StepResult next =
          net.trainStep(
              child,
              Fixtures.images(net.spec(), BATCH, random),
              Fixtures.labels(net.spec(), BATCH, random),
              0.05);
      assertThat(next.applied()).isTrue();
      assertThat(next.gradientNorm()).isFinite();
    }
  }

  private static void warmUp(Supernet net, Random random, int steps) {
    for (int s = 0; s < steps; s++) {
      StepResult r =
          net.trainStep(
              Fixtures.randomArchitecture(net.space(), random),
              Fixtures.images(net.spec(), BATCH, random),
              Fixtures.labels(net.spec(), BATCH, random),
              0.05);
      assertThat(r.applied()).isTrue();
    }
  }

  private static void assertOnlyChildMoves(Supernet net, Random random) {
    // Several children first, so momentum buffers are non-zero wherever they were used: a step
    // that applied momentum to an unused weight would then move it.
    warmUp(net, random, 4);
    Architecture child = Fixtures.randomArchitecture(net.space(), random);
    Set<String> used = net.parametersOf(child);
    Map<String, float[]> before = Fixtures.snapshot(net.store());
    List<String> idle = new ArrayList<>();
    List<String> active = new ArrayList<>();
    for (String key : before.keySet()) {
      (used.contains(Fixtures.paramName(key)) ? active : idle).add(key);
    }
    long movedMomentumBefore =
        idle.stream()
            .filter(k -> k.endsWith("#momentum"))
            .filter(k -> !isZero(before.get(k)))
            .count();
    assertThat(movedMomentumBefore).as("idle weights with non-zero momentum").isPositive();

    StepResult result =
        net.trainStep(
            child,
            Fixtures.images(net.spec(), BATCH, random),
            Fixtures.labels(net.spec(), BATCH, random),
            0.05);

    assertThat(result.applied()).isTrue();
    Map<String, float[]> after = Fixtures.snapshot(net.store());
    assertUnchanged(before, after, idle);
    for (String key : active) {
      assertThat(Arrays.equals(before.get(key), after.get(key)))
          .as("child tensor %s changed", key)
          .isFalse();
    }
    long trainable =
        net.store().all().stream().filter(p -> used.contains(p.name()) && p.trainable()).count();
    assertThat(result.updatedTensors()).isEqualTo((int) trainable);
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
