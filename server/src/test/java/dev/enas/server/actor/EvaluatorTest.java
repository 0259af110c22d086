package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.train.RewardEvaluator;
import dev.enas.train.SearchData;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The evaluator against a real weight store, and against one that never answers. */
class EvaluatorTest {
  private static final SearchSpec SPEC = ActorTests.SPEC;
  private static final SearchSpace SPACE = SPEC.space().toSearchSpace();
  /** Short enough that the timeout path is taken at once; only a probe is ever this slow. */
  private static final Duration SHORT = Duration.ofMillis(300);

  private static ActorTestKit testKit;
  private static SearchData data;
  private static Controller controller;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("EvaluatorTest", ActorTests.config());
    data = ActorTests.data();
    controller = Controllers.create(SPACE, SPEC.controller(), 11);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static ActorRef<Evaluator.Command> spawnEvaluator(
      ActorRef<WeightStore.Command> store, Duration askTimeout) {
    return testKit.spawn(Evaluator.create(new RewardEvaluator(data, SPEC), store, askTimeout),
        DispatcherSelector.fromConfig(ServerSettings.BLOCKING_DISPATCHER));
  }

  private static Evaluator.Rewarded ask(
      ActorRef<Evaluator.Command> evaluator, Architecture child, boolean fixed) {
    TestProbe<Evaluator.Rewarded> probe = testKit.createTestProbe();
    evaluator.tell(fixed ? new Evaluator.RewardOnFixedBatch(child, probe.ref())
        : new Evaluator.Reward(child, probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void rewardsChildrenThroughTheStoreAndScoresDerivationOnOneFixedBatch() {
    ActorRef<WeightStore.Command> store = ActorTests.spawnWeightStore(testKit);
    ActorRef<Evaluator.Command> evaluator = spawnEvaluator(store, Duration.ofSeconds(60));
    Architecture child = controller.sample().architecture();

    Evaluator.Rewarded next = ask(evaluator, child, false);
    Evaluator.Rewarded fixed = ask(evaluator, child, true);
    Evaluator.Rewarded fixedAgain = ask(evaluator, child, true);

    assertThat(next.failed()).as(next.error()).isFalse();
    assertThat(next.child()).isEqualTo(child);
    WeightStoreTest.assertRightAnswersOf(next.reward(), SPEC.child().batchSize());
    assertThat(fixed.failed()).as(fixed.error()).isFalse();
    WeightStoreTest.assertRightAnswersOf(fixed.reward(), SPEC.child().batchSize());
    assertThat(fixedAgain).isEqualTo(fixed);
    // The fixed batch is the validation split's first, as the engine's derivation uses.
    TestProbe<WeightStore.Evaluated> direct = testKit.createTestProbe();
    try (RewardEvaluator same = new RewardEvaluator(data, SPEC)) {
      store.tell(new WeightStore.Evaluate(child, same.fixedBatches().get(0), direct.ref()));
    }
    assertThat(direct.receiveMessage().reward()).isEqualTo(fixed.reward());
  }

  @Test
  void theStoresRefusalBecomesAFailedReward() {
    ActorRef<WeightStore.Command> store = ActorTests.spawnWeightStore(testKit);
    ActorRef<Evaluator.Command> evaluator = spawnEvaluator(store, Duration.ofSeconds(60));
    Architecture foreign = Controllers.create(SpaceSpec.macro(4).toSearchSpace(),
        SPEC.controller(), 1).sample().architecture();

    Evaluator.Rewarded refused = ask(evaluator, foreign, false);

    assertThat(refused.failed()).isTrue();
    assertThat(refused.child()).isEqualTo(foreign);
    assertThat(refused.reward()).isNaN();
    assertThat(refused.error()).contains("is not of this supernet's space");
    assertThat(ask(evaluator, controller.sample().architecture(), false).failed()).isFalse();
  }

  @Test
  void aStoreThatNeverAnswersGivesAFailureReplyAndTheEvaluatorGoesOn() {
    TestProbe<WeightStore.Command> store = testKit.createTestProbe();
    ActorRef<Evaluator.Command> evaluator = spawnEvaluator(store.ref(), SHORT);
    Architecture child = controller.sample().architecture();
    TestProbe<Evaluator.Rewarded> replies = testKit.createTestProbe();

    evaluator.tell(new Evaluator.Reward(child, replies.ref()));
    WeightStore.Evaluate asked = store.expectMessageClass(WeightStore.Evaluate.class);
    Evaluator.Rewarded timedOut = replies.receiveMessage();

    assertThat(asked.child()).isEqualTo(child);
    assertThat(((Batch) asked.batch()).size()).isEqualTo(SPEC.child().batchSize());
    assertThat(timedOut.failed()).isTrue();
    assertThat(timedOut.child()).isEqualTo(child);
    assertThat(timedOut.reward()).isNaN();
    assertThat(timedOut.error()).startsWith("evaluation failed").contains("Timeout");

    evaluator.tell(new Evaluator.RewardOnFixedBatch(child, replies.ref()));
    WeightStore.EvaluateFixed fixed = store.expectMessageClass(WeightStore.EvaluateFixed.class);
    assertThat(fixed.child()).isEqualTo(child);
    assertThat(fixed.batches()).hasSize(SPEC.derive().validationBatches());
    fixed.replyTo().tell(new WeightStore.Evaluated(0.625, null));
    assertThat(replies.receiveMessage()).isEqualTo(new Evaluator.Rewarded(child, 0.625, null));

    evaluator.tell(new Evaluator.Reward(child, replies.ref()));
    store.expectMessageClass(WeightStore.Evaluate.class).replyTo()
        .tell(new WeightStore.Evaluated(Double.NaN, "the device is on fire"));
    Evaluator.Rewarded failed = replies.receiveMessage();
    assertThat(failed.failed()).isTrue();
    assertThat(failed.error()).isEqualTo("the device is on fire");
  }
}
