package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.controller.Controllers;
import dev.enas.export.ModelMetadata;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Retrainer;
import dev.enas.train.Retraining;
import dev.enas.train.SearchData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The retrained child's export as a search publishes it: built from the trained network and checked
 * in ONNX Runtime against it, with the provenance the model carries.
 */
@Tag("slow")
class ModelExportTest {

  private static Architecture sampled(SearchSpec spec) {
    return Controllers.create(spec.space().toSearchSpace(), spec.controller(), 3)
        .sample()
        .architecture();
  }

  @Test
  void anImageClassifierIsExportedAndAgreesWithTheNetwork() throws Exception {
    SearchSpec spec = SearchSpec.smoke("macro", 4);
    SearchData data = SearchData.load(spec);
    try (Retrainer retrainer = Retrainer.create(sampled(spec), data, spec)) {
      Retraining.Result result = retrainer.runToEnd(() -> {}, progress -> {});
      ModelExport.Done done = ModelExport.export(retrainer, data, spec, "search-1", "test", result);

      assertThat(done.result()).isEqualTo(result);
      assertThat(done.model()).isNotEmpty();
      assertThat(done.stepAgreement()).isNull();
      assertThat(done.agreement().largestLogitDifference()).isLessThan(1e-4);
      assertThat(done.metadata())
          .containsEntry(ModelMetadata.SEARCH_ID, "search-1")
          .containsEntry(ModelMetadata.SEED, "4")
          .containsEntry(ModelMetadata.TEST_ACCURACY, Double.toString(result.testAccuracy()));
    }
  }

  @Test
  void aLanguageModelIsExportedAsOneStepAndAgreesOverWholeSequences() throws Exception {
    SearchSpec spec = SearchSpec.smoke("rnn", 4);
    SearchData data = SearchData.load(spec);
    try (Retrainer retrainer = Retrainer.create(sampled(spec), data, spec)) {
      Retraining.Result result = retrainer.runToEnd(() -> {}, progress -> {});
      ModelExport.Done done =
          ModelExport.export(retrainer, data, spec, "rnn-final", "test", result);

      assertThat(result.testPerplexity()).isFinite().isGreaterThan(1);
      assertThat(done.agreement()).isNull();
      ExportVerifier.StepAgreement agreement = done.stepAgreement();
      assertThat(agreement.steps()).isEqualTo(ModelExport.VERIFY_STEPS);
      assertThat(agreement.sequences()).isEqualTo(ModelExport.VERIFY_SEQUENCES);
      assertThat(agreement.largestLogitDifference()).isLessThan(1e-4);
      assertThat(agreement.largestHiddenDifference()).isLessThan(1e-4);
      assertThat(done.metadata())
          .containsEntry(ModelMetadata.TEST_PERPLEXITY, Double.toString(result.testPerplexity()))
          .containsKeys(ModelMetadata.LANGUAGE_MODEL_REQUIRED.toArray(new String[0]));
    }
  }
}
