package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.controller.Controllers;
import dev.enas.export.ModelMetadata;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
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

/**
 * Retraining a derived recurrent cell as a language model, then its one-step ONNX export checked
 * against the DJL model over 20-token sequences before it is handed over.
 */
@Tag("slow")
class RnnFinalTrainerTest {
  private static final SearchSpec SPEC = SearchSpec.smoke("rnn", 4);
  private static ActorTestKit testKit;
  private static SearchData data;
  private static Architecture cell;

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create("RnnFinalTrainerTest", ActorTests.config());
    data = SearchData.load(SPEC);
    cell = Controllers.create(SPEC.space().toSearchSpace(), SPEC.controller(), 3)
        .sample().architecture();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void reportsValidationPerplexityThenTheTestPerplexityAndAVerifiedStepModel() {
    TestProbe<FinalTrainer.Report> parent = testKit.createTestProbe();
    ActorRef<FinalTrainer.Command> trainer = testKit.spawn(
        FinalTrainer.create(cell, data, SPEC, "rnn-final", "test", parent.ref()),
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));

    SearchEvent.FinalTrainingProgress p0 =
        ((FinalTrainer.EpochDone) parent.receiveMessage()).progress();
    SearchEvent.FinalTrainingProgress p1 =
        ((FinalTrainer.EpochDone) parent.receiveMessage()).progress();
    FinalTrainer.Tested tested = (FinalTrainer.Tested) parent.receiveMessage();
    FinalTrainer.Done done = (FinalTrainer.Done) parent.receiveMessage();
    parent.expectTerminated(trainer);

    assertThat(p0.epoch()).isZero();
    assertThat(p1.epochs()).isEqualTo(2);
    assertThat(p1.validationPerplexity()).isFinite().isGreaterThan(1);
    assertThat(p1.validationAccuracy()).isNaN();
    assertThat(done.result()).isEqualTo(tested.result());
    assertThat(done.result().testPerplexity()).isFinite().isGreaterThan(1);
    assertThat(done.result().validationPerplexity()).isEqualTo(p1.validationPerplexity());
    assertThat(done.agreement()).isNull();
    ExportVerifier.StepAgreement agreement = done.stepAgreement();
    assertThat(agreement.steps()).isEqualTo(20);
    assertThat(agreement.sequences()).isEqualTo(3);
    assertThat(agreement.largestLogitDifference()).isLessThan(1e-4);
    assertThat(agreement.largestHiddenDifference()).isLessThan(1e-4);
    assertThat(done.metadata())
        .containsEntry(ModelMetadata.TEST_PERPLEXITY,
            Double.toString(done.result().testPerplexity()))
        .containsKeys(ModelMetadata.LANGUAGE_MODEL_REQUIRED.toArray(new String[0]));
  }
}
