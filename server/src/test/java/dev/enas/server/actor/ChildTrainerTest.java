package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.StepResult;
import dev.enas.train.SearchData;
import dev.enas.train.SharedTraining;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The child trainer against a real weight store, and against one that never answers. */
class ChildTrainerTest {
  private static final SearchSpec SPEC = ActorTests.SPEC;
  private static final SearchSpace SPACE = SPEC.space().toSearchSpace();
  /** Short enough that the timeout path is taken at once; only a probe is ever this slow. */
  private static final Duration SHORT = Duration.ofMillis(300);

  private static ActorTestKit testKit;
  private static SearchData data;
  private static Controller controller;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("ChildTrainerTest", ActorTests.config());
    data = ActorTests.data();
    controller = Controllers.create(SPACE, SPEC.controller(), 9);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static ActorRef<ChildTrainer.Command> spawnTrainer(
      ActorRef<WeightStore.Command> store, Duration askTimeout) {
    return testKit.spawn(ChildTrainer.create(new SharedTraining(data, SPEC), store, askTimeout),
        DispatcherSelector.fromConfig(ServerSettings.BLOCKING_DISPATCHER));
  }

  private static ChildTrainer.ChildTrained trainChild(
      ActorRef<ChildTrainer.Command> trainer, Architecture child, int epoch, int step) {
    TestProbe<ChildTrainer.ChildTrained> probe = testKit.createTestProbe();
    trainer.tell(new ChildTrainer.TrainChild(child, epoch, step, probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void trainsChildrenOnTheStoresWeightsAlongTheSchedule() {
    ActorRef<WeightStore.Command> store = ActorTests.spawnWeightStore(testKit);
    ActorRef<ChildTrainer.Command> trainer = spawnTrainer(store, Duration.ofSeconds(60));

    double previousRate = Double.POSITIVE_INFINITY;
    for (int s = 0; s < 3; s++) {
      ChildTrainer.ChildTrained trained =
          trainChild(trainer, controller.sample().architecture(), 0, s);
      assertThat(trained.failed()).as(trained.error()).isFalse();
      SharedTraining.Outcome outcome = trained.outcome();
      assertThat(outcome.step()).isEqualTo(s);
      assertThat(outcome.result().applied()).isTrue();
      assertThat(outcome.result().loss()).isFinite().isPositive();
      assertThat(outcome.inARow()).isZero();
      // The cosine schedule starts at its top and falls within the first period.
      assertThat(outcome.learningRate()).isLessThan(previousRate)
          .isBetween(SPEC.shared().learningRateMin(), SPEC.shared().learningRateMax());
      if (s == 0) {
        assertThat(outcome.learningRate()).isEqualTo(SPEC.shared().learningRateMax());
      }
      previousRate = outcome.learningRate();
    }
    // The trainer's steps moved this store's weights: the next step there is the fourth.
    TestProbe<WeightStore.Trained> direct = testKit.createTestProbe();
    try (SharedTraining batches = new SharedTraining(data, SPEC)) {
      store.tell(new WeightStore.Train(controller.sample().architecture(), batches.nextBatch(),
          0.01, direct.ref()));
    }
    assertThat(direct.receiveMessage().version()).isEqualTo(4);
  }

  @Test
  void aStoreThatNeverAnswersGivesAFailureReplyAndTheTrainerGoesOn() {
    TestProbe<WeightStore.Command> store = testKit.createTestProbe();
    ActorRef<ChildTrainer.Command> trainer = spawnTrainer(store.ref(), SHORT);
    Architecture child = controller.sample().architecture();

    TestProbe<ChildTrainer.ChildTrained> replies = testKit.createTestProbe();
    trainer.tell(new ChildTrainer.TrainChild(child, 1, 2, replies.ref()));
    WeightStore.Train asked = store.expectMessageClass(WeightStore.Train.class);
    ChildTrainer.ChildTrained timedOut = replies.receiveMessage();

    assertThat(asked.child()).isEqualTo(child);
    Batch batch = (Batch) asked.batch();
    assertThat(batch.size()).isEqualTo(SPEC.child().batchSize());
    assertThat(batch.height()).isEqualTo(data.train().height());
    assertThat(asked.learningRate()).isBetween(
        SPEC.shared().learningRateMin(), SPEC.shared().learningRateMax());
    assertThat(timedOut.failed()).isTrue();
    assertThat(timedOut.outcome()).isNull();
    assertThat(timedOut.error()).startsWith("shared-weight step failed").contains("Timeout");

    // A store that answers again is used again; the lost step was never counted.
    trainer.tell(new ChildTrainer.TrainChild(child, 1, 3, replies.ref()));
    WeightStore.Train next = store.expectMessageClass(WeightStore.Train.class);
    StepResult skipped = new StepResult(Double.NaN, 0, Double.NaN, false, 0);
    next.replyTo().tell(new WeightStore.Trained(skipped, 0, null));
    ChildTrainer.ChildTrained answered = replies.receiveMessage();

    assertThat(answered.failed()).as(answered.error()).isFalse();
    assertThat(answered.outcome()).isEqualTo(
        new SharedTraining.Outcome(skipped, next.learningRate(), 0, 1));
  }
}
