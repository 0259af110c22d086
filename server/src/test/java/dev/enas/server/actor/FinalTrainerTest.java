package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.enas.controller.Controllers;
import dev.enas.export.ModelMetadata;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.space.Architecture;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Retraining the derived child one minibatch per message, reporting to its parent. */
@Tag("slow")
class FinalTrainerTest {
  private static ActorTestKit testKit;
  private static SearchData data;
  private static Architecture child;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("FinalTrainerTest", ActorTests.config());
    data = ActorTests.data();
    SearchSpec spec = ActorTests.SPEC;
    child = Controllers.create(spec.space().toSearchSpace(), spec.controller(), 3)
        .sample().architecture();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** The smoke spec retraining for two short epochs with the given network and training. */
  private static SearchSpec retraining(ChildSpec network, TrainingSpec training) {
    SearchSpec s = ActorTests.SPEC;
    return new SearchSpec(s.space(), s.data(), s.child(), s.shared(), s.controller(), s.derive(),
        new RetrainSpec(network, training, s.retrain().cutout()), s.seed());
  }

  private static TrainingSpec twoEpochs(double learningRateMax, int maxNonFiniteSteps) {
    return twoEpochs(2, learningRateMax, maxNonFiniteSteps);
  }

  private static TrainingSpec twoEpochs(
      int stepsPerEpoch, double learningRateMax, int maxNonFiniteSteps) {
    TrainingSpec t = ActorTests.SPEC.retrain().training();
    return new TrainingSpec(2, stepsPerEpoch, learningRateMax, t.learningRateMin(),
        t.restartPeriod(), t.restartMultiplier(), t.momentum(), t.weightDecay(), t.gradientClip(),
        maxNonFiniteSteps);
  }

  private static ActorRef<FinalTrainer.Command> spawn(
      SearchSpec spec, TestProbe<FinalTrainer.Report> parent) {
    return testKit.spawn(FinalTrainer.create(child, data, spec, "final-trainer-test", "test", parent.ref()),
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
  }

  /** Arrays held by every manager of the engine; see WeightStoreTest. */
  private static int liveArrays() {
    try (NDManager any = NDManager.newBaseManager()) {
      return any.getParentManager().getManagedArrays().size();
    }
  }

  @Test
  void reportsEveryEpochThenTheTestAccuracyAndReleasesTheNetwork() {
    int before = liveArrays();
    // Wide and long enough to learn: 2 epochs of 25 steps at width 8.
    SearchSpec spec = retraining(new ChildSpec(8, 1, 16, 0), twoEpochs(25, 0.05, 3));
    TestProbe<FinalTrainer.Report> parent = testKit.createTestProbe();
    ActorRef<FinalTrainer.Command> trainer = spawn(spec, parent);

    FinalTrainer.Report first = parent.receiveMessage();
    FinalTrainer.Report second = parent.receiveMessage();
    FinalTrainer.Report tested = parent.receiveMessage();
    FinalTrainer.Report last = parent.receiveMessage();
    parent.expectTerminated(trainer);

    assertThat(first).isInstanceOf(FinalTrainer.EpochDone.class);
    assertThat(second).isInstanceOf(FinalTrainer.EpochDone.class);
    SearchEvent.FinalTrainingProgress p0 = ((FinalTrainer.EpochDone) first).progress();
    SearchEvent.FinalTrainingProgress p1 = ((FinalTrainer.EpochDone) second).progress();
    assertThat(p0.epoch()).isZero();
    assertThat(p1.epoch()).isEqualTo(1);
    assertThat(p0.epochs()).isEqualTo(2);
    assertThat(p0.trainLoss()).isFinite().isPositive();
    // Seen (0.05): loss 2.25 -> 1.92, validation 0.41, test 0.33; with a learning rate of 1e-7,
    // which learns nothing: 2.45 -> 2.43, 0.10, 0.09. Chance is 0.1.
    assertThat(p1.trainLoss()).isLessThan(0.92 * p0.trainLoss());
    assertThat(p1.trainAccuracy()).isGreaterThan(p0.trainAccuracy());
    assertThat(p1.validationAccuracy()).isGreaterThan(0.25);
    assertThat(last).isInstanceOf(FinalTrainer.Done.class);
    FinalTrainer.Done done = (FinalTrainer.Done) last;
    assertThat(tested).isEqualTo(new FinalTrainer.Tested(done.result()));
    assertThat(done.result().testAccuracy()).isGreaterThan(0.22);
    assertThat(done.result().validationAccuracy()).isEqualTo(p1.validationAccuracy());
    // The export is checked in ONNX Runtime on the first test images before it is handed over.
    assertThat(done.model()).isNotEmpty();
    assertThat(done.agreement().images())
        .isEqualTo(Math.min(FinalTrainer.VERIFY_IMAGES, data.test().size()));
    assertThat(done.agreement().largestLogitDifference())
        .isLessThanOrEqualTo(ExportVerifier.DEFAULT_TOLERANCE);
    assertThat(done.metadata()).containsEntry(ModelMetadata.SEARCH_ID, "final-trainer-test")
        .containsEntry(ModelMetadata.BUILD_VERSION, "test")
        .containsEntry(ModelMetadata.TEST_ACCURACY, Double.toString(done.result().testAccuracy()))
        .containsKeys(ModelMetadata.REQUIRED.toArray(new String[0]));
    assertThat(done.result().validationAccuracy()).isEqualTo(p1.validationAccuracy());
    assertThat(done.result().parameters()).isPositive();
    assertThat(liveArrays()).as("the retrained network is closed").isEqualTo(before);
  }

  @Test
  void aNetworkThatCannotBeBuiltIsReportedAsFailed() {
    int before = liveArrays();
    SearchSpec spec = retraining(new ChildSpec(0, 1, 16, 0), twoEpochs(0.05, 3));
    TestProbe<FinalTrainer.Report> parent = testKit.createTestProbe();
    ActorRef<FinalTrainer.Command> trainer = spawn(spec, parent);

    FinalTrainer.Report report = parent.receiveMessage();
    parent.expectTerminated(trainer);

    assertThat(report).isInstanceOf(FinalTrainer.RetrainingFailed.class);
    assertThat(((FinalTrainer.RetrainingFailed) report).reason())
        .startsWith("building the final network failed").contains("channels");
    assertThat(liveArrays()).isEqualTo(before);
  }

  @Test
  void aStepThatFailsIsReportedAsFailedAndReleasesTheNetwork() {
    int before = liveArrays();
    // A learning rate near float's limit makes the loss non-finite within a step or two, and the
    // spec tolerates not even one such step.
    SearchSpec spec = retraining(ActorTests.SPEC.retrain().network(), twoEpochs(1e38, 1));
    TestProbe<FinalTrainer.Report> parent = testKit.createTestProbe();
    ActorRef<FinalTrainer.Command> trainer = spawn(spec, parent);

    FinalTrainer.Report report;
    do {
      report = parent.receiveMessage();
    } while (report instanceof FinalTrainer.EpochDone);
    parent.expectTerminated(trainer);

    assertThat(report).isInstanceOf(FinalTrainer.RetrainingFailed.class);
    assertThat(((FinalTrainer.RetrainingFailed) report).reason())
        .contains("NaN or infinite loss");
    assertThat(liveArrays()).isEqualTo(before);
  }

  @Test
  void stoppingItBetweenEpochsReleasesTheNetwork() {
    int before = liveArrays();
    SearchSpec spec = retraining(ActorTests.SPEC.retrain().network(), twoEpochs(0.05, 3));
    TestProbe<FinalTrainer.Report> parent = testKit.createTestProbe();
    ActorRef<FinalTrainer.Command> trainer = spawn(spec, parent);

    parent.expectMessageClass(FinalTrainer.EpochDone.class);
    testKit.stop(trainer);

    assertThat(liveArrays()).isEqualTo(before);
  }
}
