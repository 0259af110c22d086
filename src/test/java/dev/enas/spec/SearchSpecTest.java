package dev.enas.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SearchSpecTest {

  @Test
  void withSharedLengthChangesOnlyTheSharedTrainingsLength() {
    SearchSpec smoke = SearchSpec.smoke("macro", 3);
    SearchSpec longer = smoke.withSharedLength(12, 7);
    assertThat(longer.shared().epochs()).isEqualTo(12);
    assertThat(longer.shared().stepsPerEpoch()).isEqualTo(7);
    assertThat(longer.withSharedLength(smoke.shared().epochs(), smoke.shared().stepsPerEpoch()))
        .isEqualTo(smoke);
  }

  @Test
  void defaultsAndDemoAreValid() {
    assertThat(SearchSpec.defaults("macro").violations()).isEmpty();
    assertThat(SearchSpec.defaults("micro").violations()).isEmpty();
    assertThat(SearchSpec.demo().violations()).isEmpty();
    assertThat(SearchSpec.defaults("macro").space().toSearchSpace().describe())
        .isEqualTo("macro(layers=12)");
    assertThat(SearchSpec.defaults("micro").space().toSearchSpace().describe())
        .isEqualTo("micro(nodes=5)");
  }

  @Test
  void everyOutOfRangeFieldIsNamedWithItsRange() {
    SearchSpec d = SearchSpec.defaults("macro");
    SearchSpec bad =
        new SearchSpec(
            new SpaceSpec("macro", 0, 5),
            new DataSpec("imagenet", 0.95, -1),
            new ChildSpec(7, 0, 0, 1.0),
            new TrainingSpec(0, -1, Double.NaN, -1, 0, 0, 1.0, -1, -1, 0),
            d.controller(),
            new DeriveSpec(3, 5),
            new RetrainSpec(new ChildSpec(0, 1, 1, 0), d.retrain().training(), -1),
            1);
    List<String> fields = bad.violations().stream().map(FieldViolation::field).toList();
    assertThat(fields)
        .contains(
            "space.layers",
            "data.dataset",
            "data.validationFraction",
            "data.trainLimit",
            "child.channels",
            "child.cellsPerStack",
            "child.batchSize",
            "child.dropout",
            "shared.epochs",
            "shared.stepsPerEpoch",
            "shared.learningRateMax",
            "shared.learningRateMin",
            "shared.restartPeriod",
            "shared.restartMultiplier",
            "shared.momentum",
            "shared.weightDecay",
            "shared.gradientClip",
            "shared.maxNonFiniteSteps",
            "derive.topK",
            "retrain.network.channels",
            "retrain.cutout");
    assertThat(bad.violations())
        .extracting(Object::toString)
        .contains(
            "space.layers: must be in 1..64, was 0",
            "child.channels: must be even, was 7",
            "data.dataset: must be 'fashion-mnist', 'idx:DIR', 'cifar10:DIR' (images), 'sonnets'"
                + " or 'ptb:DIR' (text), was 'imagenet'",
            "derive.topK: must not exceed samples (3), was 5",
            "shared.learningRateMax: must be positive, finite and at most 100, was NaN");
    assertThatThrownBy(bad::validate)
        .isInstanceOf(SpecException.class)
        .satisfies(e -> assertThat(((SpecException) e).violations()).hasSameSizeAs(fields));
  }

  @Test
  void unknownSpacesAreRejectedAndTheRnnSpaceChecksItsNodes() {
    assertThat(new SpaceSpec("cnn", 3, 3).violations("space."))
        .extracting(Object::toString)
        .containsExactly("space.kind: must be 'macro', 'micro' or 'rnn', was 'cnn'");
    assertThat(new SpaceSpec("rnn", 3, 33).violations("space."))
        .extracting(Object::toString)
        .containsExactly("space.nodes: must be in 1..32, was 33");
    assertThatThrownBy(() -> SearchSpec.defaults("cnn")).isInstanceOf(SpecException.class);
    assertThat(SearchSpec.defaults("rnn").violations()).isEmpty();
    assertThat(SearchSpec.rnnDemo().violations()).isEmpty();
    assertThat(SearchSpec.smoke("rnn", 1).violations()).isEmpty();
  }

  @Test
  void languageModelSettingsOutOfRangeAreNamed() {
    SearchSpec d = SearchSpec.defaults("rnn");
    SearchSpec bad =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller(),
            d.derive(),
            d.retrain(),
            1,
            new LanguageModelSpec(0, 1.0, -0.1, 1));
    assertThat(bad.violations())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder(
            "languageModel.bpttSteps: must be in 1..1000, was 0",
            "languageModel.embeddingDropout: must be in [0, 1), was 1.0",
            "languageModel.inputDropout: must be in [0, 1), was -0.1",
            "languageModel.maxVocabulary: must be in 2..1000000, was 1");
  }

  @Test
  void warmUpEpochsMustLeaveTheControllerEpochsToLearnIn() {
    SearchSpec d = SearchSpec.demo();
    for (int warmup : new int[] {-1, d.shared().epochs(), d.shared().epochs() + 1}) {
      ControllerSpec c = d.controller();
      SearchSpec bad =
          new SearchSpec(
              d.space(),
              d.data(),
              d.child(),
              d.shared(),
              new ControllerSpec(
                  c.kind(),
                  c.hiddenSize(),
                  c.lstmLayers(),
                  c.learningRate(),
                  c.tanhConstant(),
                  c.temperature(),
                  c.opTanhReduce(),
                  c.entropyWeight(),
                  c.baselineDecay(),
                  c.skipTarget(),
                  c.skipWeight(),
                  c.gradientClip(),
                  c.adamBeta2(),
                  c.adamEpsilon(),
                  c.initRange(),
                  c.updatesPerEpoch(),
                  c.childrenPerUpdate(),
                  warmup),
              d.derive(),
              d.retrain(),
              1);
      assertThat(bad.violations())
          .extracting(Object::toString)
          .containsExactly(
              warmup < 0
                  ? "controller.warmupEpochs: must be in 0..1000000, was -1"
                  : "controller.warmupEpochs: must be below shared.epochs ("
                      + d.shared().epochs()
                      + ") so that the controller learns at all, was "
                      + warmup);
    }
  }

  @Test
  void selectionIsOneOfTwoAndTheModeNeedsALearningController() {
    SearchSpec d = SearchSpec.demo();
    SearchSpec unknown =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller(),
            d.derive().withSelection("luckiest"),
            d.retrain(),
            1);
    assertThat(unknown.violations())
        .extracting(Object::toString)
        .containsExactly(
            "derive.selection: must be one of best-reward, most-probable, was 'luckiest'");
    SearchSpec random =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller().withKind("random"),
            d.derive().withSelection(DeriveSpec.MOST_PROBABLE),
            d.retrain(),
            1);
    assertThat(random.violations())
        .extracting(Object::toString)
        .containsExactly(
            "derive.selection: the random controller's policy is uniform and has no most probable"
                + " child: use 'best-reward' or controller.kind 'enas'");
    assertThat(
            new SearchSpec(
                    d.space(),
                    d.data(),
                    d.child(),
                    d.shared(),
                    d.controller().withKind("random"),
                    d.derive().withSelection(DeriveSpec.BEST_REWARD),
                    d.retrain(),
                    1)
                .violations())
        .isEmpty();
  }

  @Test
  void aRankCheckNamesItsFieldsAndTheirRanges() {
    DeriveSpec d = SearchSpec.demo().derive();
    assertThat(d.rankCheck()).isEqualTo(RankCheckSpec.OFF);
    assertThat(d.withRankCheck(new RankCheckSpec(20, 84)).violations("derive.")).isEmpty();
    assertThat(d.withRankCheck(new RankCheckSpec(2, 10)).violations("derive."))
        .extracting(Object::toString)
        .containsExactly(
            "derive.rankCheck.architectures: must be 0 (no rank check) or in 3..1000, was 2");
    assertThat(d.withRankCheck(new RankCheckSpec(-1, 0)).violations("derive."))
        .extracting(Object::toString)
        .containsExactly(
            "derive.rankCheck.architectures: must be 0 (no rank check) or in 3..1000, was -1");
    assertThat(d.withRankCheck(new RankCheckSpec(5, 0)).violations("derive."))
        .extracting(Object::toString)
        .containsExactly("derive.rankCheck.steps: must be in 1..1000000, was 0");
    assertThat(d.withRankCheck(new RankCheckSpec(0, 5)).violations("derive."))
        .extracting(Object::toString)
        .containsExactly(
            "derive.rankCheck.steps: must be 0 when architectures is 0 (no rank check), was 5");
    // The check trains children the derivation drew, so it cannot ask for more than it draws.
    DeriveSpec few = new DeriveSpec(10, 5).withRankCheck(new RankCheckSpec(11, 5));
    assertThat(few.violations("derive."))
        .extracting(Object::toString)
        .containsExactly(
            "derive.rankCheck.architectures: must not exceed samples (10): the rank check trains"
                + " children the derivation drew, was 11");
    // A spec journaled before the rank check existed reads as one without it.
    assertThat(new DeriveSpec(10, 5, 1, 0, 0, DeriveSpec.BEST_REWARD, null).rankCheck())
        .isEqualTo(RankCheckSpec.OFF);
  }
}
