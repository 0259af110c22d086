package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.train.Networks;
import dev.enas.train.RewardEvaluator;
import dev.enas.train.SearchData;
import dev.enas.train.SharedTraining;
import java.util.Arrays;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The weight store on the device dispatcher, training and evaluating a real tiny supernet. */
@Tag("slow")
class WeightStoreTest {
  private static final SearchSpec SPEC = ActorTests.SPEC;
  private static final SearchSpace SPACE = SPEC.space().toSearchSpace();

  private static ActorTestKit testKit;
  private static NetworkSpec network;
  private static SharedTraining training;
  private static RewardEvaluator rewards;
  private static Controller controller;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("WeightStoreTest", ActorTests.config());
    SearchData data = ActorTests.data();
    network = Networks.searchNetwork(SPEC, data);
    training = new SharedTraining(data, SPEC);
    rewards = new RewardEvaluator(data, SPEC);
    controller = Controllers.create(SPACE, SPEC.controller(), 5);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    training.close();
    rewards.close();
  }

  private static ActorRef<WeightStore.Command> spawnStore() {
    return testKit.spawn(
        WeightStore.create(SPACE, network, Networks.sgd(SPEC.shared()), SPEC.seed()),
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
  }

  private static Architecture child() {
    return controller.sample().architecture();
  }

  private static WeightStore.Trained train(
      ActorRef<WeightStore.Command> store, Architecture child, MiniBatch batch) {
    TestProbe<WeightStore.Trained> probe = testKit.createTestProbe();
    store.tell(new WeightStore.Train(child, batch, 0.05, probe.ref()));
    return probe.receiveMessage();
  }

  private static WeightStore.Evaluated evaluate(
      ActorRef<WeightStore.Command> store, Architecture child, MiniBatch batch) {
    TestProbe<WeightStore.Evaluated> probe = testKit.createTestProbe();
    store.tell(new WeightStore.Evaluate(child, batch, probe.ref()));
    return probe.receiveMessage();
  }

  /**
   * Arrays held by every manager of the engine. A supernet's weights live in a base manager of
   * their own, which closing the supernet releases. This reads DJL directly because nothing in the
   * server's own API can tell whether native memory was released.
   */
  private static int liveArrays() {
    try (NDManager any = NDManager.newBaseManager()) {
      return any.getParentManager().getManagedArrays().size();
    }
  }

  /** An accuracy on a batch is a count of right answers over its size. */
  static void assertRightAnswersOf(double accuracy, int batchSize) {
    double right = accuracy * batchSize;
    assertThat(right).as("%s right answers of %d", right, batchSize)
        .isCloseTo(Math.rint(right), within(1e-9));
  }

  @Test
  void trainingRepliesWithTheAppliedStepAndTheNextVersion() {
    ActorRef<WeightStore.Command> store = spawnStore();

    for (int version = 1; version <= 3; version++) {
      WeightStore.Trained trained = train(store, child(), training.nextBatch());
      assertThat(trained.result().applied()).isTrue();
      assertThat(trained.result().loss()).isFinite().isPositive();
      assertRightAnswersOf(trained.result().accuracy(), SPEC.child().batchSize());
      assertThat(trained.result().updatedTensors()).isPositive();
      assertThat(trained.version()).isEqualTo(version);
    }
    // Steps of one child on one batch fit it: its loss, taken before each update, falls.
    Architecture child = child();
    MiniBatch batch = training.nextBatch();
    double[] losses = new double[3];
    for (int i = 0; i < losses.length; i++) {
      losses[i] = train(store, child, batch).result().loss();
    }
    // Seen: 2.216, 2.177, 2.132; steps that changed nothing would repeat the first.
    assertThat(losses[1]).as(Arrays.toString(losses)).isLessThan(losses[0]);
    assertThat(losses[2]).as(Arrays.toString(losses)).isLessThan(losses[1]);
  }

  @Test
  void evaluatingGivesAnAccuracyAndChangesNothing() {
    ActorRef<WeightStore.Command> store = spawnStore();
    Architecture child = child();
    Architecture other = child();
    Batch batch = (Batch) rewards.fixedBatches().get(0);

    WeightStore.Evaluated first = evaluate(store, child, batch);
    evaluate(store, other, batch);
    WeightStore.Evaluated again = evaluate(store, child, batch);

    assertThat(first.failed()).as(first.error()).isFalse();
    assertRightAnswersOf(first.reward(), batch.size());
    assertThat(again).isEqualTo(first);
    // Evaluations are not steps: the first training step still makes version 1.
    assertThat(train(store, child, training.nextBatch()).version()).isEqualTo(1);
  }

  @Test
  void aRefusedTrainingBatchGetsAnErrorReplyAndChangesNothing() {
    ActorRef<WeightStore.Command> store = spawnStore();
    Batch good = (Batch) rewards.fixedBatches().get(0);
    Batch badSize = new Batch(new float[2 * 10 * 10], new int[2], 2, 1, 10, 10);

    WeightStore.Trained refused = train(store, child(), badSize);

    assertThat(refused.failed()).isTrue();
    assertThat(refused.error()).contains("floats");
    assertThat(refused.version()).isZero();
    // Still serving, and the refused step did not count.
    WeightStore.Trained next = train(store, child(), training.nextBatch());
    assertThat(next.failed()).isFalse();
    assertThat(next.version()).isEqualTo(1);
    assertThat(evaluate(store, child(), good).failed()).isFalse();
  }

  @Test
  void aBadBatchOrChildGetsAnErrorReplyAndTheStoreKeepsServing() {
    ActorRef<WeightStore.Command> store = spawnStore();
    Architecture child = child();
    Batch good = (Batch) rewards.fixedBatches().get(0);
    int[] outOfRange = good.labels().clone();
    outOfRange[3] = network.classes();
    Batch badLabels = new Batch(good.images(), outOfRange, good.size(), good.channels(),
        good.height(), good.width());
    Batch badSize = new Batch(new float[2 * 10 * 10], new int[2], 2, 1, 10, 10);
    Architecture foreign = Controllers.create(SpaceSpec.macro(4).toSearchSpace(),
        SPEC.controller(), 1).sample().architecture();

    WeightStore.Evaluated labels = evaluate(store, child, badLabels);
    WeightStore.Evaluated size = evaluate(store, child, badSize);
    WeightStore.Evaluated space = evaluate(store, foreign, good);

    assertThat(labels.failed()).isTrue();
    assertThat(labels.error()).contains("label 3 is " + network.classes());
    assertThat(labels.reward()).isNaN();
    assertThat(size.failed()).isTrue();
    assertThat(size.error()).contains("images must hold");
    assertThat(space.failed()).isTrue();
    assertThat(space.error()).contains("is not of this supernet's space");
    WeightStore.Evaluated fine = evaluate(store, child, good);
    assertThat(fine.failed()).as(fine.error()).isFalse();
    assertThat(train(store, child, training.nextBatch()).version()).isEqualTo(1);
  }

  @Test
  void stoppingTheStoreReleasesTheSupernetAndItAnswersNothingMore() {
    int before = liveArrays();
    ActorRef<WeightStore.Command> store = spawnStore();
    Architecture child = child();
    train(store, child, training.nextBatch());
    assertThat(liveArrays()).as("the supernet's weights").isGreaterThan(before);

    testKit.stop(store);

    assertThat(liveArrays()).isEqualTo(before);
    TestProbe<DeadLetter> deadLetters = testKit.createDeadLetterProbe();
    TestProbe<WeightStore.Evaluated> probe = testKit.createTestProbe();
    WeightStore.Evaluate late = new WeightStore.Evaluate(child, rewards.fixedBatches().get(0), probe.ref());
    store.tell(late);
    assertThat(deadLetters.receiveMessage().message()).isEqualTo(late);
  }

  @Test
  void aStepWithANonFiniteLossIsReportedAndDoesNotCount() {
    ActorRef<WeightStore.Command> store = spawnStore();
    Architecture child = child();
    Batch batch = (Batch) training.nextBatch();
    // A learning rate near float's limit blows the child's weights up to infinity in one step, so
    // the next forward pass cannot give a finite loss.
    TestProbe<WeightStore.Trained> probe = testKit.createTestProbe();
    store.tell(new WeightStore.Train(child, batch, 1e38, probe.ref()));
    WeightStore.Trained exploded = probe.receiveMessage();
    store.tell(new WeightStore.Train(child, batch, 0.05, probe.ref()));
    WeightStore.Trained skipped = probe.receiveMessage();

    assertThat(exploded.version()).isEqualTo(exploded.result().applied() ? 1 : 0);
    assertThat(skipped.result().applied()).as("loss %s", skipped.result().loss()).isFalse();
    assertThat(skipped.version()).isEqualTo(exploded.version());
    assertThat(Double.isFinite(skipped.result().loss())).isFalse();
  }
}
