package dev.enas.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroOp;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import dev.enas.space.SearchSpaces;
import dev.enas.spec.ControllerSpec;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ControllerBehaviourTest {

  /** Fraction of layers that run op 2 (separable 3x3): a reward the policy can learn exactly. */
  private static double fractionOfOpTwo(Architecture architecture) {
    MacroArchitecture arch = (MacroArchitecture) architecture;
    int count = 0;
    for (int i = 0; i < arch.layers(); i++) {
      if (arch.op(i) == MacroOp.SEP_CONV_3X3) {
        count++;
      }
    }
    return (double) count / arch.layers();
  }

  /** Runs updates of ten children each; returns the mean reward of the last ten updates. */
  private static double train(Controller controller, int updates) {
    double recent = 0;
    for (int u = 0; u < updates; u++) {
      List<Reward> batch = new ArrayList<>();
      for (int k = 0; k < 10; k++) {
        Sample s = controller.sample();
        batch.add(new Reward(s, fractionOfOpTwo(s.architecture())));
      }
      UpdateResult result = controller.update(batch);
      if (u >= updates - 10) {
        recent += result.meanReward() / 10;
      }
    }
    return recent;
  }

  /**
   * A controller that can become confident: the paper's tanh constant 1.5 caps any single op's
   * probability at about 0.8 of six, by design; 2.5 lets the policy pass 0.9.
   */
  private static ControllerSpec confident() {
    ControllerSpec base = ControllerSpec.macroDefaults();
    return new ControllerSpec(
        "enas",
        32,
        1,
        0.02,
        2.5,
        1.0,
        1.0,
        1e-4,
        0.9,
        0.4,
        0.8,
        5.0,
        0.999,
        1e-3,
        0.1,
        base.updatesPerEpoch(),
        base.childrenPerUpdate());
  }

  @Test
  void enasLearnsASyntheticRewardAndRandomSearchDoesNot() {
    MacroSpace space = new MacroSpace(6);
    ControllerSpec spec = confident();
    double enas = train(Controllers.create(space, spec, 1), 200);
    double random = train(Controllers.create(space, spec.withKind("random"), 1), 200);
    assertThat(enas).isGreaterThan(0.9);
    assertThat(random).isLessThan(0.3);
  }

  /**
   * derive.selection most-probable: after the policy has learned the synthetic reward, its greedy
   * child runs op 2 in every layer; asking for it draws nothing from the sampling stream and
   * reports the log-probability the policy gives that child.
   */
  @Test
  void mostProbableIsTheLearnedChildAndDrawsNothing() {
    MacroSpace space = new MacroSpace(6);
    ControllerSpec spec = confident();
    Controller untrained = Controllers.create(space, spec, 3);
    Sample before = untrained.mostProbable();
    assertThat(fractionOfOpTwo(before.architecture())).isLessThan(1.0);

    Controller controller = Controllers.create(space, spec, 3);
    train(controller, 200);
    Sample mode = controller.mostProbable();
    assertThat(fractionOfOpTwo(mode.architecture())).isEqualTo(1.0);
    assertThat(controller.mostProbable().architecture()).isEqualTo(mode.architecture());
    assertThat(mode.logProbability())
        .isCloseTo(controller.score(mode.architecture()).logProbability(), within(1e-9));

    Controller twin = Controllers.create(space, spec, 3);
    train(twin, 200);
    for (int i = 0; i < 20; i++) {
      controller.mostProbable();
      assertThat(controller.sample().architecture()).isEqualTo(twin.sample().architecture());
    }
    assertThatThrownBy(() -> Controllers.create(space, spec.withKind("random"), 3).mostProbable())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void sameSeedSameHundredArchitectures() {
    for (SearchSpace space : List.of(new MacroSpace(12), new MicroSpace(5))) {
      for (String kind : List.of("enas", "random")) {
        ControllerSpec spec = ControllerSpec.defaultsFor(space.kind()).withKind(kind);
        List<Architecture> first = sampleHundred(Controllers.create(space, spec, 42));
        List<Architecture> second = sampleHundred(Controllers.create(space, spec, 42));
        List<Architecture> other = sampleHundred(Controllers.create(space, spec, 43));
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(new java.util.HashSet<>(first)).hasSizeGreaterThan(90);
      }
    }
  }

  private static List<Architecture> sampleHundred(Controller controller) {
    List<Architecture> out = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      out.add(controller.sample().architecture());
    }
    return out;
  }

  @Test
  void snapshotContinuesTheSameSequenceAfterUpdates() {
    MacroSpace space = new MacroSpace(5);
    for (String kind : List.of("enas", "random")) {
      ControllerSpec spec = ControllerSpec.macroDefaults().withKind(kind);
      Controller original = Controllers.create(space, spec, 7);
      for (int u = 0; u < 3; u++) {
        List<Reward> batch = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          Sample s = original.sample();
          batch.add(new Reward(s, fractionOfOpTwo(s.architecture())));
        }
        original.update(batch);
      }
      Controller restored = Controllers.restore(space, spec, original.snapshot());
      assertThat(restored.policyVersion()).isEqualTo(3);
      assertThat(restored.baseline()).isEqualTo(original.baseline());
      for (int i = 0; i < 20; i++) {
        Sample a = original.sample();
        Sample b = restored.sample();
        assertThat(b.architecture()).isEqualTo(a.architecture());
        assertThat(b.logProbability()).isEqualTo(a.logProbability());
      }
      Sample s = original.sample();
      UpdateResult a = original.update(List.of(new Reward(s, 0.5)));
      UpdateResult b = restored.update(List.of(new Reward(restored.score(s.architecture()), 0.5)));
      assertThat(b).isEqualTo(a);
    }
  }

  /**
   * The random controller draws every decision uniformly from its own generator, in the space's
   * program order (an op, an input, one fair coin per skip bit), and its log-probability is the sum
   * of the uniform ones: checked against draws made here from the same seed.
   */
  @Test
  void randomSearchDrawsEveryDecisionUniformlyInProgramOrder() {
    for (SearchSpace space : List.of(new MacroSpace(5), new MicroSpace(4))) {
      ControllerSpec spec = ControllerSpec.defaultsFor(space.kind()).withKind("random");
      Controller controller = Controllers.create(space, spec, 9);
      Rng rng = new Rng(9);
      for (int n = 0; n < 3; n++) {
        int[] expected = new int[space.decisionWidth()];
        double logProb = 0;
        int at = 0;
        for (Decision d : space.decisions()) {
          if (d instanceof Decision.Op) {
            expected[at++] = rng.nextInt(space.numOps());
            logProb -= Math.log(space.numOps());
          } else if (d instanceof Decision.Input in) {
            expected[at++] = rng.nextInt(in.candidates());
            logProb -= Math.log(in.candidates());
          } else if (d instanceof Decision.Skips skips) {
            for (int j = 0; j < skips.previous(); j++) {
              expected[at++] = rng.nextInt(2);
              logProb += Math.log(0.5);
            }
          }
        }
        Sample s = controller.sample();
        assertThat(s.architecture().decisions())
            .as("%s sample %d", space.kind(), n)
            .containsExactly(expected);
        assertThat(s.logProbability()).isCloseTo(logProb, within(1e-9));
        assertThat(s.entropy()).isCloseTo(-logProb, within(1e-9));
      }
    }
  }

  @Property(tries = 60)
  void everySampleIsValidAndScoresAsSampled(
      @ForAll @IntRange(min = 1, max = 14) int size,
      @ForAll boolean macro,
      @ForAll boolean random,
      @ForAll long seed) {
    SearchSpace space = macro ? new MacroSpace(size) : new MicroSpace(Math.min(size, 8));
    ControllerSpec spec =
        ControllerSpec.defaultsFor(space.kind()).withKind(random ? "random" : "enas");
    Controller controller = Controllers.create(space, spec, seed);
    for (int i = 0; i < 5; i++) {
      Sample s = controller.sample();
      Architecture arch = s.architecture();
      assertThat(space.fromDecisions(arch.decisions())).isEqualTo(arch);
      assertThat(SearchSpaces.parse(arch.encode())).isEqualTo(arch);
      Sample scored = controller.score(arch);
      assertThat(scored.logProbability()).isCloseTo(s.logProbability(), within(1e-9));
      assertThat(scored.entropy()).isCloseTo(s.entropy(), within(1e-9));
      assertThat(s.logProbability()).isNegative();
      assertThat(s.entropy()).isPositive();
    }
  }

  @Test
  void updatesRejectForeignOrEmptyBatches() {
    Controller controller =
        Controllers.create(new MacroSpace(3), ControllerSpec.macroDefaults(), 1);
    Controller other = Controllers.create(new MacroSpace(4), ControllerSpec.macroDefaults(), 1);
    assertThatThrownBy(() -> controller.update(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(() -> controller.update(List.of(new Reward(other.sample(), 1))))
        .hasMessageContaining("macro(layers=4)");
    assertThatThrownBy(() -> new Reward(controller.sample(), Double.NaN))
        .hasMessage("reward must be finite, was NaN");
  }

  @Test
  void specViolationsNameTheFieldAndRange() {
    ControllerSpec bad =
        new ControllerSpec(
            "greedy", 0, 1, -1, 1.5, 0, 1, 1e-4, 1.0, 1.2, 0.8, 5, 0.999, 1e-3, 0.1, 50, 0);
    assertThat(bad.violations("controller."))
        .extracting(Object::toString)
        .contains(
            "controller.kind: must be 'enas' or 'random', was 'greedy'",
            "controller.hiddenSize: must be in 1..1024, was 0",
            "controller.learningRate: must be positive, finite and at most 1, was -1.0",
            "controller.temperature: must be positive, finite and at most 1000, was 0.0",
            "controller.baselineDecay: must be in [0, 1), was 1.0",
            "controller.skipTarget: must be in (0, 1), was 1.2",
            "controller.childrenPerUpdate: must be in 1..10000, was 0");
    assertThatThrownBy(bad::validate).hasMessageContaining("controller.hiddenSize");
    assertThat(ControllerSpec.macroDefaults().violations("")).isEmpty();
    assertThat(ControllerSpec.microDefaults().violations("")).isEmpty();
    assertThat(ControllerSpec.rnnDefaults().violations("")).isEmpty();
    assertThatThrownBy(() -> ControllerSpec.defaultsFor("cnn"))
        .hasMessageContaining("macro, micro, rnn");
  }
}
