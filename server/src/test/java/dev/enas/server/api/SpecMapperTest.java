package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.enas.data.DataRoots;
import dev.enas.proto.v1.ControllerKind;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.server.domain.SearchBackendException.InvalidSpec;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.FieldViolation;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecMapperTest {

  /** Core record type to the wire message that mirrors it. */
  private static final Map<Class<?>, Descriptor> MIRRORS =
      Map.ofEntries(
          Map.entry(dev.enas.spec.SearchSpec.class, dev.enas.proto.v1.SearchSpec.getDescriptor()),
          Map.entry(dev.enas.spec.SpaceSpec.class, dev.enas.proto.v1.SpaceSpec.getDescriptor()),
          Map.entry(dev.enas.spec.DataSpec.class, dev.enas.proto.v1.DataSpec.getDescriptor()),
          Map.entry(dev.enas.spec.ChildSpec.class, dev.enas.proto.v1.ChildSpec.getDescriptor()),
          Map.entry(
              dev.enas.spec.TrainingSpec.class, dev.enas.proto.v1.TrainingSpec.getDescriptor()),
          Map.entry(
              dev.enas.spec.ControllerSpec.class, dev.enas.proto.v1.ControllerSpec.getDescriptor()),
          Map.entry(dev.enas.spec.DeriveSpec.class, dev.enas.proto.v1.DeriveSpec.getDescriptor()),
          Map.entry(
              dev.enas.spec.RankCheckSpec.class, dev.enas.proto.v1.RankCheckSpec.getDescriptor()),
          Map.entry(dev.enas.spec.RetrainSpec.class, dev.enas.proto.v1.RetrainSpec.getDescriptor()),
          Map.entry(
              dev.enas.spec.LanguageModelSpec.class,
              dev.enas.proto.v1.LanguageModelSpec.getDescriptor()));

  @Test
  void theWireSpecMirrorsEveryComponentOfTheCoreSpec() {
    assertThat(MIRRORS.keySet()).containsExactlyInAnyOrderElementsOf(SpecMapper.specRecords());
    for (Map.Entry<Class<?>, Descriptor> mirror : MIRRORS.entrySet()) {
      List<String> core =
          Arrays.stream(mirror.getKey().getRecordComponents())
              .map(RecordComponent::getName)
              .map(SpecMapper::snake)
              .toList();
      List<String> wire =
          mirror.getValue().getFields().stream().map(FieldDescriptor::getName).toList();
      assertThat(wire)
          .as("fields of %s", mirror.getValue().getFullName())
          .containsExactlyInAnyOrderElementsOf(core);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"macro", "micro", "rnn"})
  void onlyTheSpaceGivesThePapersDefaults(String kind) {
    dev.enas.proto.v1.SearchSpec wire =
        dev.enas.proto.v1.SearchSpec.newBuilder()
            .setSpace(
                dev.enas.proto.v1.SpaceSpec.newBuilder()
                    .setKind(
                        switch (kind) {
                          case "macro" -> SearchSpace.SEARCH_SPACE_MACRO;
                          case "micro" -> SearchSpace.SEARCH_SPACE_MICRO;
                          default -> SearchSpace.SEARCH_SPACE_RNN;
                        }))
            .build();

    // The paper's values, except where the embedded data set calls for others: no cutout on the
    // grey Fashion-MNIST images, and a text batch that gives the small sonnets corpus fifty or
    // more steps an epoch instead of about seven.
    SearchSpec paper = SearchSpec.defaults(kind);
    SearchSpec expected;
    if (kind.equals("rnn")) {
      int tokens = dev.enas.data.EmbeddedData.sonnets().train().length;
      int batch = tokens / (35 * 50);
      expected =
          new SearchSpec(
              paper.space(),
              paper.data(),
              new ChildSpec(paper.child().channels(), 1, batch, paper.child().dropout()),
              paper.shared(),
              paper.controller(),
              paper.derive(),
              new RetrainSpec(
                  new ChildSpec(
                      paper.retrain().network().channels(),
                      1,
                      batch,
                      paper.retrain().network().dropout()),
                  paper.retrain().training(),
                  0),
              paper.seed(),
              paper.languageModel());
      assertThat(batch).isBetween(2, 63);
    } else {
      expected =
          new SearchSpec(
              paper.space(),
              paper.data(),
              paper.child(),
              paper.shared(),
              paper.controller(),
              paper.derive(),
              new RetrainSpec(paper.retrain().network(), paper.retrain().training(), 0),
              paper.seed(),
              paper.languageModel());
    }
    assertThat(SpecMapper.toCore(wire)).isEqualTo(expected);
  }

  @Test
  void cutoutFitsTheImagesUnlessTheSpecSetsIt(@TempDir Path dir) throws IOException {
    Path cifar = Files.createDirectories(dir.resolve("cifar"));
    for (int i = 1; i <= 5; i++) {
      Files.write(cifar.resolve("data_batch_" + i + ".bin"), new byte[3073 * 2]);
    }
    SearchSpec colour =
        SpecMapper.toCore(
            macro()
                .setData(dev.enas.proto.v1.DataSpec.newBuilder().setDataset("cifar10:cifar"))
                .build(),
            DataRoots.of(List.of(dir)));
    assertThat(colour.retrain().cutout()).isEqualTo(16);

    SearchSpec grey = SpecMapper.toCore(macro().build());
    assertThat(grey.retrain().cutout()).isZero();

    SearchSpec asked =
        SpecMapper.toCore(
            macro().setRetrain(dev.enas.proto.v1.RetrainSpec.newBuilder().setCutout(8)).build());
    assertThat(asked.retrain().cutout()).isEqualTo(8);
  }

  @Test
  void aShortTrainingAnnealsWithinItsEpochsUnlessThePeriodIsSet() {
    SearchSpec shortOnes =
        SpecMapper.toCore(
            macro()
                .setShared(dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(4))
                .setRetrain(
                    dev.enas.proto.v1.RetrainSpec.newBuilder()
                        .setTraining(dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(2)))
                .build());
    assertThat(shortOnes.shared().restartPeriod()).isEqualTo(4);
    assertThat(shortOnes.shared().restartMultiplier()).isEqualTo(1);
    assertThat(shortOnes.retrain().training().restartPeriod()).isEqualTo(2);
    assertThat(shortOnes.retrain().training().restartMultiplier()).isEqualTo(1);

    SearchSpec periodSet =
        SpecMapper.toCore(
            macro()
                .setShared(
                    dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(4).setRestartPeriod(10))
                .build());
    assertThat(periodSet.shared().restartPeriod()).isEqualTo(10);
    assertThat(periodSet.shared().restartMultiplier())
        .isEqualTo(SearchSpec.defaults("macro").shared().restartMultiplier());

    SearchSpec longOne =
        SpecMapper.toCore(
            macro().setShared(dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(30)).build());
    assertThat(longOne.shared().restartPeriod())
        .isEqualTo(SearchSpec.defaults("macro").shared().restartPeriod());
  }

  @Test
  void aSmallCorpusGetsABatchThatGivesUsefulStepsUnlessTheSpecSetsIt(@TempDir Path dir)
      throws IOException {
    // About 13,000 training tokens, as in the licence-text corpus that showed the problem: the
    // paper's 64 x 35 gave it six steps an epoch.
    StringBuilder text = new StringBuilder();
    for (int line = 0; line < 1000; line++) {
      text.append("the licence grants each user a right to copy\n");
    }
    Path corpus = Files.createDirectories(dir.resolve("licence"));
    Files.writeString(corpus.resolve("train.txt"), text);
    Files.writeString(corpus.resolve("valid.txt"), "the licence grants a right\n");
    Files.writeString(corpus.resolve("test.txt"), "each user may copy\n");
    DataRoots roots = DataRoots.of(List.of(dir));
    dev.enas.proto.v1.SearchSpec.Builder rnn =
        dev.enas.proto.v1.SearchSpec.newBuilder()
            .setSpace(
                dev.enas.proto.v1.SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_RNN))
            .setData(dev.enas.proto.v1.DataSpec.newBuilder().setDataset("ptb:licence"));

    SearchSpec fitted = SpecMapper.toCore(rnn.build(), roots);
    int tokens = 1000 * 10;
    assertThat(fitted.child().batchSize()).isEqualTo(tokens / (35 * 50));
    assertThat(tokens / (fitted.child().batchSize() * 35)).isGreaterThanOrEqualTo(50);
    assertThat(fitted.retrain().network().batchSize()).isEqualTo(tokens / (35 * 50));

    SearchSpec asked =
        SpecMapper.toCore(
            rnn.setChild(dev.enas.proto.v1.ChildSpec.newBuilder().setBatchSize(64)).build(), roots);
    assertThat(asked.child().batchSize()).isEqualTo(64);
  }

  private static dev.enas.proto.v1.SearchSpec.Builder macro() {
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MACRO));
  }

  @Test
  void aResolvedSpecSetsEveryFieldAndReadsBackAsItself() {
    SearchSpec d = SearchSpec.demo();
    SearchSpec random =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller().withKind("random"),
            d.derive().withSelection(DeriveSpec.BEST_REWARD),
            d.retrain(),
            -42);
    for (SearchSpec spec :
        List.of(
            SearchSpec.defaults("macro"),
            SearchSpec.defaults("micro"),
            SearchSpec.defaults("rnn"),
            SearchSpec.rnnDemo(),
            SearchSpec.smoke("rnn", 3),
            d,
            random)) {
      dev.enas.proto.v1.SearchSpec wire = SpecMapper.toWire(spec);
      assertThat(unsetFields(wire, "spec")).isEmpty();
      assertThat(SpecMapper.toCore(wire)).isEqualTo(spec);
    }
  }

  @Test
  void setFieldsOverrideAndZeroIsNotUnset() {
    dev.enas.proto.v1.SearchSpec wire =
        dev.enas.proto.v1.SearchSpec.newBuilder()
            .setSpace(
                dev.enas.proto.v1.SpaceSpec.newBuilder()
                    .setKind(SearchSpace.SEARCH_SPACE_MICRO)
                    .setNodes(3))
            .setController(
                dev.enas.proto.v1.ControllerSpec.newBuilder()
                    .setKind(ControllerKind.CONTROLLER_KIND_RANDOM)
                    .setLearningRate(0.01))
            .setRetrain(
                dev.enas.proto.v1.RetrainSpec.newBuilder()
                    .setTraining(dev.enas.proto.v1.TrainingSpec.newBuilder().setEpochs(7))
                    .setCutout(0))
            .setSeed(0)
            .build();

    SearchSpec spec = SpecMapper.toCore(wire);
    SearchSpec defaults = SearchSpec.defaults("micro");
    assertThat(spec.space().nodes()).isEqualTo(3);
    assertThat(spec.controller().kind()).isEqualTo("random");
    assertThat(spec.controller().learningRate()).isEqualTo(0.01);
    assertThat(spec.controller().hiddenSize()).isEqualTo(defaults.controller().hiddenSize());
    assertThat(spec.retrain().training().epochs()).isEqualTo(7);
    assertThat(spec.retrain().training().momentum())
        .isEqualTo(defaults.retrain().training().momentum());
    assertThat(spec.retrain().cutout()).isZero();
    assertThat(defaults.retrain().cutout()).isNotZero();
    assertThat(spec.seed()).isZero();
  }

  @Test
  void badDerivationSettingsAreNamedWithTheirRanges() {
    dev.enas.proto.v1.SearchSpec wire =
        macro()
            .setDerive(
                dev.enas.proto.v1.DeriveSpec.newBuilder()
                    .setTopK(3)
                    .setValidationBatches(0)
                    .setScreenCandidates(4)
                    .setScreenSteps(0))
            .build();

    assertThatThrownBy(() -> SpecMapper.toCore(wire))
        .isInstanceOfSatisfying(
            InvalidSpec.class,
            e -> {
              List<FieldViolation> renamed =
                  e.violations().stream().map(SpecMapper::toRequest).toList();
              assertThat(renamed)
                  .extracting(FieldViolation::field)
                  .containsExactlyInAnyOrder(
                      "spec.derive.validation_batches",
                      "spec.derive.screen_candidates",
                      "spec.derive.screen_steps");
              assertThat(renamed)
                  .extracting(FieldViolation::description)
                  .anySatisfy(d -> assertThat(d).contains("1").contains("1000"))
                  .anySatisfy(d -> assertThat(d).contains("top_k (3)"));
            });
  }

  @Test
  void violationsAreRenamedToRequestPathsIncludingNamesInTheirText() {
    dev.enas.proto.v1.SearchSpec wire =
        dev.enas.proto.v1.SearchSpec.newBuilder()
            .setSpace(
                dev.enas.proto.v1.SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MACRO))
            .setShared(
                dev.enas.proto.v1.TrainingSpec.newBuilder()
                    .setLearningRateMax(0.001)
                    .setLearningRateMin(0.01))
            .build();

    assertThatThrownBy(() -> SpecMapper.toCore(wire))
        .isInstanceOfSatisfying(
            InvalidSpec.class,
            e -> {
              List<FieldViolation> renamed =
                  e.violations().stream().map(SpecMapper::toRequest).toList();
              assertThat(renamed)
                  .extracting(FieldViolation::field)
                  .containsExactly("spec.shared.learning_rate_min");
              assertThat(renamed.get(0).description())
                  .contains("learning_rate_max")
                  .doesNotContain("learningRateMax");
            });
    assertThat(SpecMapper.requestPath("retrain.training.maxNonFiniteSteps"))
        .isEqualTo("spec.retrain.training.max_non_finite_steps");
    assertThat(SpecMapper.requestPath("controller.adamBeta2"))
        .isEqualTo("spec.controller.adam_beta2");
  }

  @Test
  void theSpaceDecidesEverythingSoAMissingOrUnknownOneStopsAtOnce() {
    for (int kind : new int[] {0, 42}) {
      dev.enas.proto.v1.SearchSpec wire =
          dev.enas.proto.v1.SearchSpec.newBuilder()
              .setSpace(dev.enas.proto.v1.SpaceSpec.newBuilder().setKindValue(kind))
              .setDerive(dev.enas.proto.v1.DeriveSpec.newBuilder().setSamples(-1))
              .build();
      assertThatThrownBy(() -> SpecMapper.toCore(wire))
          .isInstanceOfSatisfying(
              InvalidSpec.class,
              e ->
                  assertThat(e.violations())
                      .extracting(FieldViolation::field)
                      .containsExactly("space.kind"));
    }
  }

  /** Paths of every optional scalar or message field left unset, recursively. */
  private static List<String> unsetFields(Message message, String path) {
    List<String> unset = new ArrayList<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      String fieldPath = path + "." + field.getName();
      if (field.hasPresence() && !message.hasField(field)) {
        unset.add(fieldPath);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        unset.addAll(unsetFields((Message) message.getField(field), fieldPath));
      }
    }
    return unset;
  }
}
