package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.controller.UpdateResult;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The controller actor: samples from its policy, applies reward batches, refuses bad ones. */
class ControllerActorTest {
  private static final SearchSpec SPEC = ActorTests.SPEC;
  private static final SearchSpace SPACE = SPEC.space().toSearchSpace();

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("ControllerActorTest", ActorTests.config());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static ActorRef<ControllerActor.Command> spawn(SearchSpace space, long seed) {
    return testKit.spawn(
        ControllerActor.create(Controllers.create(space, SPEC.controller(), seed),
            Controllers.warmup(space, SPEC.controller(), seed)));
  }

  private static Sample sample(ActorRef<ControllerActor.Command> controller) {
    TestProbe<ControllerActor.Sampled> probe = testKit.createTestProbe();
    controller.tell(new ControllerActor.SampleChild(probe.ref()));
    return probe.receiveMessage().sample();
  }

  private static ControllerActor.UpdateReply update(
      ActorRef<ControllerActor.Command> controller, List<Reward> rewards) {
    TestProbe<ControllerActor.UpdateReply> probe = testKit.createTestProbe();
    controller.tell(new ControllerActor.Update(rewards, probe.ref()));
    return probe.receiveMessage();
  }

  private static List<Reward> rewarded(ActorRef<ControllerActor.Command> controller, int n) {
    List<Reward> rewards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rewards.add(new Reward(sample(controller), 0.1 * (i + 1)));
    }
    return rewards;
  }

  @Test
  void samplesAreValidArchitecturesOfItsSpace() {
    ActorRef<ControllerActor.Command> controller = spawn(SPACE, 1);

    for (int i = 0; i < 5; i++) {
      Sample s = sample(controller);
      Architecture child = s.architecture();
      assertThat(child.space()).isEqualTo(SPACE);
      assertThat(child.decisions()).hasSize(SPACE.decisionWidth());
      // Round-tripping through the canonical text checks every decision is in range.
      assertThat(SPACE.parse(child.encode())).isEqualTo(child);
      assertThat(s.logProbability()).isNegative().isFinite();
      assertThat(s.entropy()).isPositive().isFinite();
      assertThat(s.policyVersion()).isZero();
    }
  }

  @Test
  void theSameSeedSamplesTheSameChildren() {
    ActorRef<ControllerActor.Command> first = spawn(SPACE, 7);
    ActorRef<ControllerActor.Command> second = spawn(SPACE, 7);

    for (int i = 0; i < 3; i++) {
      assertThat(sample(second).architecture()).isEqualTo(sample(first).architecture());
    }
  }

  @Test
  void warmUpDrawsComeFromTheUniformStreamAndLeaveThePolicyAlone() {
    ActorRef<ControllerActor.Command> controller = spawn(SPACE, 5);
    Controller uniform = Controllers.warmup(SPACE, SPEC.controller(), 5);
    Controller policy = Controllers.create(SPACE, SPEC.controller(), 5);
    TestProbe<ControllerActor.Sampled> probe = testKit.createTestProbe();
    for (int i = 0; i < 4; i++) {
      controller.tell(new ControllerActor.SampleUniform(probe.ref()));
      Sample drawn = probe.receiveMessage().sample();
      assertThat(drawn.architecture().encode()).isEqualTo(uniform.sample().architecture().encode());
    }
    // The policy's own stream is untouched by the warm-up draws.
    Sample next = sample(controller);
    Sample expected = policy.sample();
    assertThat(next.architecture().encode()).isEqualTo(expected.architecture().encode());
    assertThat(next.policyVersion()).isZero();
  }

  @Test
  void anUpdateAppliesTheRewardsAndAdvancesThePolicyVersion() {
    ActorRef<ControllerActor.Command> controller = spawn(SPACE, 2);
    List<Reward> rewards = rewarded(controller, 3);

    ControllerActor.UpdateReply reply = update(controller, rewards);

    assertThat(reply).isInstanceOf(ControllerActor.Updated.class);
    UpdateResult result = ((ControllerActor.Updated) reply).result();
    assertThat(result.policyVersion()).isEqualTo(1);
    assertThat(result.children()).isEqualTo(3);
    assertThat(result.meanReward()).isCloseTo(0.2, within(1e-12));
    assertThat(result.gradientNorm()).isPositive();
    assertThat(sample(controller).policyVersion()).isEqualTo(1);

    ControllerActor.UpdateReply again = update(controller, rewarded(controller, 2));
    assertThat(((ControllerActor.Updated) again).result().policyVersion()).isEqualTo(2);
  }

  @Test
  void anEmptyBatchIsRejectedWithTheReasonAndChangesNothing() {
    ActorRef<ControllerActor.Command> controller = spawn(SPACE, 3);

    ControllerActor.UpdateReply reply = update(controller, List.of());

    assertThat(reply).isInstanceOf(ControllerActor.UpdateRejected.class);
    assertThat(((ControllerActor.UpdateRejected) reply).reason()).contains("at least one");
    // Still serving, and the refused update did not count.
    assertThat(sample(controller).policyVersion()).isZero();
    ControllerActor.UpdateReply next = update(controller, rewarded(controller, 1));
    assertThat(((ControllerActor.Updated) next).result().policyVersion()).isEqualTo(1);
  }

  @Test
  void anotherSpacesChildIsRejectedWithTheReasonAndChangesNothing() {
    ActorRef<ControllerActor.Command> controller = spawn(SPACE, 4);
    SearchSpace other = SpaceSpec.macro(4).toSearchSpace();
    Sample foreign = sample(spawn(other, 4));
    List<Reward> mixed = new ArrayList<>(rewarded(controller, 2));
    mixed.add(new Reward(foreign, 0.9));

    ControllerActor.UpdateReply reply = update(controller, mixed);

    assertThat(reply).isInstanceOf(ControllerActor.UpdateRejected.class);
    assertThat(((ControllerActor.UpdateRejected) reply).reason())
        .contains(other.describe()).contains(SPACE.describe());
    ControllerActor.UpdateReply next = update(controller, mixed.subList(0, 2));
    assertThat(((ControllerActor.Updated) next).result().policyVersion()).isEqualTo(1);
  }
}
