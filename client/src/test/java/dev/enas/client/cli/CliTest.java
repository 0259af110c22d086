package dev.enas.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.enas.client.Events;
import dev.enas.client.FakeSearchService;
import dev.enas.client.InProcessEnas;
import dev.enas.proto.inference.InferParameter;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.ControllerKind;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.RankCheck;
import dev.enas.proto.v1.RankCheckedArchitecture;
import dev.enas.proto.v1.ScoredArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchSpec;
import dev.enas.proto.v1.SearchState;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The enas command line against an in-process fake server, as a user types it. */
class CliTest {
  @TempDir Path dir;

  private InProcessEnas enas;
  private final List<String> targets = new ArrayList<>();
  private boolean progress;
  private String out;
  private String err;

  @BeforeEach
  void start() {
    enas = new InProcessEnas();
  }

  @AfterEach
  void stop() throws InterruptedException {
    enas.close();
  }

  // ----- dashboard ---------------------------------------------------------------------------

  @Test
  void dashboardPrintsTheAddressTheServerNamesOnTheServersHost() {
    enas.httpPort = "8981";
    assertThat(run("--server", "enas.example:9000", "dashboard")).isZero();
    assertThat(out.strip()).isEqualTo("http://enas.example:8981/");
    assertThat(run("--server", "[::1]:9000", "dashboard", "run 1")).isZero();
    assertThat(out.strip()).isEqualTo("http://[::1]:8981/search?id=run+1");
  }

  @Test
  void dashboardOfAServerThatNamesNoPortExitsWith3() {
    assertThat(run("dashboard")).isEqualTo(3);
    assertThat(err).contains("names no dashboard port");
  }

  // ----- search start ----------------------------------------------------------------------

  @Test
  void startSendsEveryFlagAsItsSpecFieldAndPrintsTheId() {
    int code =
        run(
            "search",
            "start",
            "--space",
            "macro",
            "--layers",
            "6",
            "--dataset",
            "idx:/data/mnist",
            "--epochs",
            "3",
            "--channels",
            "16",
            "--batch-size",
            "32",
            "--controller",
            "random",
            "--selection",
            "best-reward",
            "--seed",
            "7",
            "--final-epochs",
            "2",
            "--final-channels",
            "24",
            "--id",
            "my-run");

    assertThat(code).isZero();
    assertThat(out).isEqualTo("my-run\n");
    assertThat(enas.service.creates)
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.getSearchId()).isEqualTo("my-run");
              SearchSpec spec = request.getSpec();
              assertThat(spec.getSpace().getKind()).isEqualTo(SearchSpace.SEARCH_SPACE_MACRO);
              assertThat(spec.getSpace().getLayers()).isEqualTo(6);
              assertThat(spec.getSpace().hasNodes()).isFalse();
              assertThat(spec.getData().getDataset()).isEqualTo("idx:/data/mnist");
              assertThat(spec.getShared().getEpochs()).isEqualTo(3);
              assertThat(spec.getChild().getChannels()).isEqualTo(16);
              assertThat(spec.getChild().getBatchSize()).isEqualTo(32);
              assertThat(spec.getController().getKind())
                  .isEqualTo(ControllerKind.CONTROLLER_KIND_RANDOM);
              assertThat(spec.getDerive().getSelection()).isEqualTo("best-reward");
              assertThat(spec.getSeed()).isEqualTo(7);
              assertThat(spec.getRetrain().getTraining().getEpochs()).isEqualTo(2);
              assertThat(spec.getRetrain().getNetwork().getChannels()).isEqualTo(24);
              // Everything not on the command line is left to the server's defaults.
              assertThat(spec.getShared().hasLearningRateMax()).isFalse();
              assertThat(spec.getDerive().hasSamples()).isFalse();
              assertThat(spec.hasLanguageModel()).isFalse();
            });
  }

  @Test
  void startReadsAJsonSpecFileAndFlagsOverrideIt() throws IOException {
    Path file = dir.resolve("spec.json");
    Files.writeString(
        file,
        "{\"space\": {\"kind\": \"SEARCH_SPACE_MICRO\", \"nodes\": 4},\n"
            + " \"shared\": {\"epochs\": 20, \"learning_rate_max\": 0.1},\n"
            + " \"controller\": {\"updatesPerEpoch\": 5}}");

    int code = run("search", "start", "--spec", file.toString(), "--epochs", "9");

    assertThat(code).isZero();
    SearchSpec spec = enas.service.creates.get(0).getSpec();
    assertThat(spec.getSpace().getKind()).isEqualTo(SearchSpace.SEARCH_SPACE_MICRO);
    assertThat(spec.getSpace().getNodes()).isEqualTo(4);
    assertThat(spec.getShared().getEpochs()).isEqualTo(9);
    assertThat(spec.getShared().getLearningRateMax()).isEqualTo(0.1);
    assertThat(spec.getController().getUpdatesPerEpoch()).isEqualTo(5);
  }

  @Test
  void startReadsAHoconSpecFile() throws IOException {
    Path file = dir.resolve("spec.conf");
    Files.writeString(
        file,
        String.join(
            "\n",
            "# a short macro search",
            "space { kind = SEARCH_SPACE_MACRO, layers = 4 }",
            "shared.epochs = 2",
            "retrain.training.epochs = 1",
            "controller.kind = CONTROLLER_KIND_RANDOM",
            "seed = 42"));

    int code = run("search", "start", "--spec", file.toString());

    assertThat(code).as(err).isZero();
    SearchSpec spec = enas.service.creates.get(0).getSpec();
    assertThat(spec.getSpace().getLayers()).isEqualTo(4);
    assertThat(spec.getShared().getEpochs()).isEqualTo(2);
    assertThat(spec.getRetrain().getTraining().getEpochs()).isEqualTo(1);
    assertThat(spec.getController().getKind()).isEqualTo(ControllerKind.CONTROLLER_KIND_RANDOM);
    assertThat(spec.getSeed()).isEqualTo(42);
  }

  @Test
  void presetsFillTheSpecAndFlagsStillApply() {
    assertThat(run("search", "start", "--preset", "smoke", "--space", "micro", "--seed", "3"))
        .isZero();
    assertThat(run("search", "start", "--preset", "demo")).isZero();
    assertThat(run("search", "start", "--preset", "paper", "--space", "micro")).isZero();

    SearchSpec smoke = enas.service.creates.get(0).getSpec();
    assertThat(smoke.getSpace().getKind()).isEqualTo(SearchSpace.SEARCH_SPACE_MICRO);
    assertThat(smoke.getSpace().getNodes()).isEqualTo(2);
    assertThat(smoke.getData().getTrainLimit()).isEqualTo(400);
    assertThat(smoke.getShared().getStepsPerEpoch()).isEqualTo(4);
    assertThat(smoke.getSeed()).isEqualTo(3);
    SearchSpec demo = enas.service.creates.get(1).getSpec();
    assertThat(demo.getSpace().getLayers()).isEqualTo(6);
    assertThat(demo.getChild().getChannels()).isEqualTo(12);
    assertThat(demo.getShared().getEpochs()).isEqualTo(6);
    assertThat(demo.getRetrain().getTraining().getEpochs()).isEqualTo(3);
    assertThat(demo.getRetrain().getCutout()).isZero();
    assertThat(demo.getRetrain().hasCutout()).isTrue();
    assertThat(demo.getRetrain().getPlainBaseline()).isTrue();
    // The server's SearchSpec.demo(): two warm-up epochs, then a faster-learning controller.
    assertThat(demo.getController().getWarmupEpochs()).isEqualTo(2);
    assertThat(demo.getController().getLearningRate()).isEqualTo(0.005);
    assertThat(demo.getController().getSkipTarget()).isEqualTo(0.2);
    // The policy's most probable child, retrained at 16 channels (oneDNN's block).
    assertThat(demo.getDerive().getSelection()).isEqualTo("most-probable");
    assertThat(demo.getRetrain().getNetwork().getChannels()).isEqualTo(16);
    assertThat(enas.service.creates.get(2).getSpec())
        .isEqualTo(
            SearchSpec.newBuilder()
                .setSpace(
                    dev.enas.proto.v1.SpaceSpec.newBuilder()
                        .setKind(SearchSpace.SEARCH_SPACE_MICRO))
                .build());
  }

  @Test
  void dryRunOnlyValidatesAndPrintsTheResolvedSpec() throws InvalidProtocolBufferException {
    assertThat(run("search", "start", "--space", "macro", "--epochs", "4", "--dry-run")).isZero();

    assertThat(enas.service.creates)
        .singleElement()
        .satisfies(r -> assertThat(r.getValidateOnly()).isTrue());
    assertThat(enas.service.searches).isEmpty();
    SearchSpec.Builder printed = SearchSpec.newBuilder();
    JsonFormat.parser().merge(out, printed);
    assertThat(printed.getShared().getEpochs()).isEqualTo(4);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "search start --space foo                 | --space",
        "search start --space macro --layers x    | --layers",
        "search start --space micro --layers 3    | --layers",
        "search start --space macro --nodes 3     | --nodes",
        "search start --space macro --seed 1.5    | --seed",
        "search start --space macro --bogus       | --bogus",
        "search start --epochs 3                  | --space",
        "search start --preset demo --space micro | --preset demo",
        "search start --preset nope               | --preset",
        "search start --space macro --json        | --json",
        "search watch s1 --from -2                | --from",
        "search list --state running,bogus        | --state",
        "arch list s1 --top 0                     | --top",
        "arch list s1 --order best                | --order",
        "search get                               | ID",
        "search                                   | subcommand"
      })
  void badCommandLinesExitWith2AndOneLineNamingTheOption(String line, String named) {
    int code = run(line.trim().split("\\s+"));

    assertThat(code).isEqualTo(2);
    assertThat(err).contains(named).endsWith("\n");
    assertThat(err.strip()).doesNotContain("\n");
    assertThat(enas.service.creates).isEmpty();
  }

  @Test
  void aSpecFileThatDoesNotParseIsAUsageErrorNamingTheFileAndTheField() throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"space\": {\"kind\": \"SEARCH_SPACE_MACRO\"}, \"epochz\": 3}");
    Path hocon = dir.resolve("bad.conf");
    Files.writeString(hocon, "space { kind = SEARCH_SPACE_MACRO\n");

    assertThat(run("search", "start", "--spec", file.toString())).isEqualTo(2);
    assertThat(err).contains("--spec", "bad.json", "epochz");
    assertThat(run("search", "start", "--spec", hocon.toString())).isEqualTo(2);
    assertThat(err).contains("--spec", "bad.conf");
    assertThat(enas.service.creates).isEmpty();
  }

  @Test
  void serverInvalidArgumentPrintsTheCodeAndEveryFieldWithItsFlag() {
    enas.service.nextError =
        FakeSearchService.badRequest(
            "spec.shared.epochs", "must be 1 to 100000, was 0",
            "spec.controller.learning_rate", "must be in (0, 1], was 7");

    int code = run("search", "start", "--space", "macro", "--epochs", "0");

    assertThat(code).isEqualTo(3);
    assertThat(out).isEmpty();
    assertThat(err)
        .startsWith("enas: INVALID_ARGUMENT: invalid search spec")
        .contains("\n  spec.shared.epochs (--epochs): must be 1 to 100000, was 0\n")
        .contains("\n  spec.controller.learning_rate: must be in (0, 1], was 7\n");
  }

  // ----- search watch ----------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({"SUCCEEDED, 0, finished", "FAILED, 1, failed", "CANCELLED, 130, cancelled"})
  void watchJsonPrintsOneEventPerLineAndExitsByOutcome(
      Events.Outcome outcome, int exitCode, String lastKind) throws InvalidProtocolBufferException {
    List<SearchEvent> log = Events.run("s1", 2, 3, 2, 2, outcome);
    enas.service.add(Events.search("s1", SearchState.SEARCH_STATE_RUNNING), log);
    // A cut in the middle changes nothing for the user.
    enas.service.cutWatches(
        new FakeSearchService.Cut(5, FakeSearchService.slowWatcherCut(5, true, true)));

    int code = run("search", "watch", "s1", "--json");

    assertThat(code).isEqualTo(exitCode);
    String[] lines = out.split("\n");
    assertThat(lines).hasSize(log.size());
    for (int i = 0; i < lines.length; i++) {
      SearchEvent.Builder event = SearchEvent.newBuilder();
      JsonFormat.parser().merge(lines[i], event);
      assertThat(event.build()).isEqualTo(log.get(i));
    }
    assertThat(lines[0]).contains("\"sequence\":\"0\"");
    assertThat(lines[lines.length - 1]).contains("\"" + lastKind + "\"");
  }

  @Test
  void watchShowsBarsPerPhaseAndAReportLinePerEpochAndTheOutcome() {
    enas.service.add(
        Events.resolved("s1", 2, 2, 2), Events.run("s1", 2, 3, 2, 2, Events.Outcome.SUCCEEDED));
    progress = true;

    int code = run("search", "watch", "s1");

    assertThat(code).isZero();
    assertThat(out.split("\n"))
        .containsSubsequence(
            "epoch 1/2  loss 1.5000  reward 0.5500  best 0.6000  macro: 3 | 5 1",
            "epoch 2/2  loss 1.5000  reward 0.5500  best 0.6100  macro: 3 | 5 1",
            "deriving: scoring 10 candidates",
            "derived from 10 candidates, best reward first:",
            "   1. 0.7100  macro: 3 | 5 1",
            "final training of the derived child",
            "final 1/2  loss 0.9000  train acc 0.7000  val acc 0.7200",
            "final 2/2  loss 0.9000  train acc 0.7000  val acc 0.7200",
            "succeeded: test accuracy 0.7825, 123,456 parameters",
            "  macro: 3 | 5 1");
    // The bars: steps of the epoch learnt from the first, updates from the spec.
    assertThat(err)
        .contains(
            "epoch 1/2 shared",
            "epoch 2/2 shared 100% ",
            "3/3",
            "epoch 2/2 controller 100% ",
            "2/2",
            "final training 100% ",
            "best 0.6");
  }

  @Test
  void watchShowsTheScreeningAndThePlainBaselineBesideTheDerivedChild() {
    List<SearchEvent> log = new ArrayList<>();
    for (SearchEvent e : Events.run("s1", 1, 1, 1, 1, Events.Outcome.SUCCEEDED)) {
      if (e.hasPhaseChanged() && e.getPhaseChanged().getPhase() == Phase.PHASE_DERIVING) {
        break;
      }
      log.add(e);
    }
    SearchEvent.Candidate wide =
        SearchEvent.Candidate.newBuilder()
            .setArchitecture(Events.arch("1 | 1 0"))
            .setReward(0.62)
            .setScreenAccuracy(0.81)
            .build();
    SearchEvent.Candidate pools =
        SearchEvent.Candidate.newBuilder()
            .setArchitecture(Events.arch("4 | 5 1"))
            .setReward(0.70)
            .setScreenAccuracy(0.74)
            .build();
    List<SearchEvent.Builder> tail =
        List.of(
            SearchEvent.newBuilder()
                .setPhaseChanged(
                    SearchEvent.PhaseChanged.newBuilder().setPhase(Phase.PHASE_DERIVING)),
            SearchEvent.newBuilder()
                .setCandidateScreened(
                    SearchEvent.CandidateScreened.newBuilder()
                        .setIndex(0)
                        .setCount(2)
                        .setCandidate(pools)
                        .setSteps(84)),
            SearchEvent.newBuilder()
                .setCandidateScreened(
                    SearchEvent.CandidateScreened.newBuilder()
                        .setIndex(1)
                        .setCount(2)
                        .setCandidate(wide)
                        .setSteps(84)),
            SearchEvent.newBuilder()
                .setDerived(
                    SearchEvent.Derived.newBuilder()
                        .setSampled(10)
                        .setScreenSteps(84)
                        .addTop(wide)
                        .addTop(pools)),
            SearchEvent.newBuilder()
                .setPhaseChanged(
                    SearchEvent.PhaseChanged.newBuilder().setPhase(Phase.PHASE_BASELINE_TRAINING)),
            SearchEvent.newBuilder()
                .setFinalTrainingProgress(
                    SearchEvent.FinalTrainingProgress.newBuilder()
                        .setEpoch(0)
                        .setEpochs(1)
                        .setTrainLoss(0.8)
                        .setTrainAccuracy(0.7)
                        .setValidationAccuracy(0.75)
                        .setPlainBaseline(true)),
            SearchEvent.newBuilder()
                .setPhaseChanged(
                    SearchEvent.PhaseChanged.newBuilder().setPhase(Phase.PHASE_SUCCEEDED)),
            SearchEvent.newBuilder()
                .setFinished(
                    SearchEvent.Finished.newBuilder()
                        .setArchitecture(Events.arch("1 | 1 0"))
                        .setTestAccuracy(0.84)
                        .setParameters(1000)
                        .setPlainBaseline(
                            dev.enas.proto.v1.PlainBaseline.newBuilder()
                                .setArchitecture(Events.arch("0 | 0 0"))
                                .setTestAccuracy(0.80)
                                .setParameters(800))));
    for (SearchEvent.Builder e : tail) {
      log.add(e.setSearchId("s1").setSequence(log.size()).build());
    }
    enas.service.add(Events.resolved("s1", 1, 1, 1), log);

    assertThat(run("search", "watch", "s1")).isZero();

    assertThat(out.split("\n"))
        .containsSubsequence(
            "screened 1/2  reward 0.7000  screened val acc 0.7400  macro: 4 | 5 1",
            "screened 2/2  reward 0.6200  screened val acc 0.8100  macro: 1 | 1 0",
            "derived from 10 candidates, the best screened by 84 steps of training each:",
            "   1. 0.6200  screened val acc 0.8100  macro: 1 | 1 0",
            "   2. 0.7000  screened val acc 0.7400  macro: 4 | 5 1",
            "retraining the plain child with the same budget",
            "baseline 1/1  loss 0.8000  train acc 0.7000  val acc 0.7500",
            "succeeded: test accuracy 0.8400, 1,000 parameters",
            "  macro: 1 | 1 0",
            "plain baseline: test accuracy 0.8000, 800 parameters; derived / plain test error 0.8000"
                + " (the search won)",
            "  macro: 0 | 0 0");
  }

  @Test
  void watchAndGetShowTheRankCheck() {
    RankCheckedArchitecture first =
        RankCheckedArchitecture.newBuilder()
            .setArchitecture(Events.arch("1 | 1 0"))
            .setReward(0.62)
            .setStandaloneAccuracy(0.81)
            .build();
    RankCheckedArchitecture second =
        RankCheckedArchitecture.newBuilder()
            .setArchitecture(Events.arch("4 | 5 1"))
            .setReward(0.70)
            .setStandaloneAccuracy(0.74)
            .build();
    RankCheck check =
        RankCheck.newBuilder()
            .setKendallTau(-0.3333)
            .setPValue(0.6)
            .setArchitectureCount(2)
            .setSteps(84)
            .addArchitectures(first)
            .addArchitectures(second)
            .build();
    List<SearchEvent> log = new ArrayList<>();
    for (SearchEvent e : Events.run("s1", 1, 1, 1, 1, Events.Outcome.SUCCEEDED)) {
      if (e.hasFinalTrainingProgress()) {
        for (int i = 0; i < 2; i++) {
          log.add(
              SearchEvent.newBuilder()
                  .setSearchId("s1")
                  .setRankCheckTrained(
                      SearchEvent.RankCheckTrained.newBuilder()
                          .setIndex(i)
                          .setCount(2)
                          .setArchitecture(i == 0 ? first : second)
                          .setSteps(84))
                  .build());
        }
      }
      log.add(
          e.hasFinished()
              ? e.toBuilder().setFinished(e.getFinished().toBuilder().setRankCheck(check)).build()
              : e);
    }
    List<SearchEvent> numbered = new ArrayList<>();
    for (SearchEvent e : log) {
      numbered.add(e.toBuilder().setSequence(numbered.size()).build());
    }
    enas.service.add(Events.resolved("s1", 1, 1, 1), numbered);

    assertThat(run("search", "watch", "s1")).isZero();

    assertThat(out.split("\n"))
        .containsSubsequence(
            "rank check 1/2  reward 0.6200  alone val acc 0.8100  macro: 1 | 1 0",
            "rank check 2/2  reward 0.7000  alone val acc 0.7400  macro: 4 | 5 1",
            "rank check: Kendall tau -0.3333 (p 0.6000) over 2 architectures trained alone for 84"
                + " steps each: no evidence at the 5 % level that the shared weights rank"
                + " children as training alone does");

    Search done = Events.search("done", SearchState.SEARCH_STATE_SUCCEEDED);
    enas.service.add(
        done.toBuilder()
            .setResult(done.getResult().toBuilder().setRankCheck(check.toBuilder().setPValue(0.01)))
            .build(),
        List.of());
    assertThat(run("search", "get", "done")).isZero();
    assertThat(out)
        .contains(
            "rank check  Kendall tau -0.3333 (p 0.0100) over 2 architectures trained alone for 84"
                + " steps each: the shared weights rank children the opposite way\n");
  }

  @Test
  void watchSaysWhyThePolicysModeLeadsALowerScore() {
    List<SearchEvent> log = new ArrayList<>();
    for (SearchEvent e : Events.run("s1", 1, 1, 1, 1, Events.Outcome.SUCCEEDED)) {
      log.add(
          e.hasDerived()
              ? e.toBuilder()
                  .setDerived(e.getDerived().toBuilder().setSelection("most-probable"))
                  .build()
              : e);
    }
    enas.service.add(Events.resolved("s1", 1, 1, 1), log);

    assertThat(run("search", "watch", "s1")).isZero();

    assertThat(out.split("\n"))
        .containsSubsequence(
            "derived from 10 candidates: the policy's most probable child first, then the"
                + " best-scored samples (reward on the validation batches):",
            "   1. 0.7100  macro: 3 | 5 1",
            "   2. 0.6400  macro: 0 | 1 0");
  }

  @Test
  void watchShowsPerplexitiesForALanguageModelSearch() {
    List<SearchEvent> log = new ArrayList<>();
    for (SearchEvent e : Events.run("s1", 2, 3, 2, 2, Events.Outcome.SUCCEEDED)) {
      SearchEvent.Builder b = e.toBuilder();
      if (e.hasFinalTrainingProgress()) {
        b.getFinalTrainingProgressBuilder()
            .setValidationPerplexity(123.4)
            .setTrainAccuracy(Double.NaN)
            .setValidationAccuracy(Double.NaN);
      } else if (e.hasFinished()) {
        b.getFinishedBuilder().setTestPerplexity(98.76).setTestAccuracy(Double.NaN);
      } else if (e.hasChildTrained()) {
        b.getChildTrainedBuilder().setPerplexity(Math.exp(e.getChildTrained().getLoss()));
      } else if (e.hasArchitectureSampled()) {
        b.getArchitectureSampledBuilder()
            .setPerplexity(80 / e.getArchitectureSampled().getReward());
      }
      log.add(b.build());
    }
    enas.service.add(Events.resolved("s1", 2, 2, 2), log);
    progress = true;

    int code = run("search", "watch", "s1");

    assertThat(code).isZero();
    assertThat(out.split("\n"))
        .containsSubsequence(
            "final 1/2  loss 0.9000  val ppl 123.4000",
            "final 2/2  loss 0.9000  val ppl 123.4000",
            "succeeded: test perplexity 98.7600, 123,456 parameters");
    assertThat(err).contains(" ppl ", "val ppl ");
  }

  @Test
  void rnnPresetsAndTheNodesFlag() {
    assertThat(run("search", "start", "--preset", "demo", "--space", "rnn")).isZero();
    assertThat(run("search", "start", "--preset", "smoke", "--space", "rnn", "--nodes", "5"))
        .isZero();
    assertThat(run("search", "start", "--space", "rnn", "--layers", "3")).isEqualTo(2);
    assertThat(err).contains("--layers");

    SearchSpec demo = enas.service.creates.get(0).getSpec();
    assertThat(demo.getSpace().getKind()).isEqualTo(SearchSpace.SEARCH_SPACE_RNN);
    assertThat(demo.getSpace().getNodes()).isEqualTo(8);
    assertThat(demo.getData().getDataset()).isEqualTo("sonnets");
    assertThat(demo.getLanguageModel().getBpttSteps()).isEqualTo(35);
    assertThat(demo.getRetrain().getNetwork().getChannels()).isEqualTo(128);
    SearchSpec smoke = enas.service.creates.get(1).getSpec();
    assertThat(smoke.getSpace().getNodes()).isEqualTo(5);
    assertThat(smoke.getData().getTrainLimit()).isEqualTo(2000);
    assertThat(smoke.getLanguageModel().getBpttSteps()).isEqualTo(10);
  }

  @Test
  void watchFromPastTheEndTakesTheOutcomeFromTheSearchState() {
    List<SearchEvent> log = Events.run("s1", 1, 2, 1, 1, Events.Outcome.CANCELLED);
    enas.service.add(Events.search("s1", SearchState.SEARCH_STATE_CANCELLED), log);

    int code = run("search", "watch", "s1", "--from", Integer.toString(log.size()), "--json");

    assertThat(code).isEqualTo(130);
    assertThat(out).isEmpty();
  }

  @Test
  void startWithWatchFollowsTheNewSearch() {
    enas.service.events.put("my-run", Events.run("my-run", 1, 2, 1, 1, Events.Outcome.SUCCEEDED));

    int code = run("search", "start", "--space", "macro", "--id", "my-run", "--watch", "--json");

    assertThat(code).isZero();
    assertThat(err).isEqualTo("my-run\n");
    String[] lines = out.split("\n");
    assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("{"));
    assertThat(lines[lines.length - 1]).contains("finished");
  }

  @Test
  void watchOfAnUnknownSearchIsAServerError() {
    assertThat(run("search", "watch", "nope")).isEqualTo(3);
    assertThat(err)
        .startsWith("enas: NOT_FOUND: no search 'nope'")
        .contains("resource search 'nope'");
  }

  // ----- list, get, cancel -----------------------------------------------------------------

  @Test
  void listShowsEverySearchAcrossPagesAsATable() {
    enas.service.add(running("a", 0.61), List.of());
    enas.service.add(Events.search("b", SearchState.SEARCH_STATE_FAILED), List.of());
    enas.service.add(running("c", 0.7), List.of());

    assertThat(run("search", "list")).isZero();

    String[] lines = out.split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).startsWith("ID").contains("STATE", "PHASE", "PROGRESS", "BEST");
    assertThat(lines[1])
        .matches("a\\s+running\\s+.*")
        .contains("shared training", "epoch 1/6", "0.6100");
    assertThat(lines[2]).matches("b\\s+failed\\s+.*");
    assertThat(lines[3]).matches("c\\s+running\\s+.*").contains("0.7000");
    assertThat(enas.service.searchLists).hasSize(2);
  }

  @Test
  void listFiltersByStateAndPrintsJsonLines() throws InvalidProtocolBufferException {
    enas.service.add(running("a", 0.61), List.of());

    assertThat(run("search", "list", "--state", "running,FAILED", "--state", "pending", "--json"))
        .isZero();

    assertThat(enas.service.searchLists.get(0).getStatesList())
        .containsExactly(
            SearchState.SEARCH_STATE_RUNNING,
            SearchState.SEARCH_STATE_FAILED,
            SearchState.SEARCH_STATE_PENDING);
    Search.Builder printed = Search.newBuilder();
    JsonFormat.parser().merge(out.strip(), printed);
    assertThat(printed.build()).isEqualTo(enas.service.searches.get("a"));
  }

  @Test
  void getPrintsASummaryOrTheJson() throws InvalidProtocolBufferException {
    enas.service.add(running("a", 0.61), List.of());

    assertThat(run("search", "get", "a")).isZero();
    assertThat(out)
        .contains(
            "id          a\n",
            "state       running (shared training)\n",
            "space       macro, 2 layers\n",
            "best        0.6100  macro: 1 | 0 1\n");

    assertThat(run("search", "get", "a", "--json")).isZero();
    Search.Builder printed = Search.newBuilder();
    JsonFormat.parser().merge(out, printed);
    assertThat(printed.build()).isEqualTo(enas.service.searches.get("a"));
  }

  @Test
  void cancelSendsTheReasonAndAnEndedSearchIsAServerError() {
    enas.service.add(running("a", 0.5), List.of());
    enas.service.add(Events.search("done", SearchState.SEARCH_STATE_SUCCEEDED), List.of());

    assertThat(run("search", "cancel", "a", "--reason", "enough")).isZero();
    assertThat(out).startsWith("cancelling a (was running, shared training)");
    assertThat(enas.service.cancels.get(0).getReason()).isEqualTo("enough");

    assertThat(run("search", "cancel", "done")).isEqualTo(3);
    assertThat(err).startsWith("enas: FAILED_PRECONDITION: search done has already ended");
  }

  @Test
  void deleteForgetsAnEndedSearchAndARunningOneIsAServerError() {
    enas.service.add(running("a", 0.5), List.of());
    enas.service.add(Events.search("done", SearchState.SEARCH_STATE_SUCCEEDED), List.of());

    assertThat(run("search", "delete", "done")).isZero();
    assertThat(out).startsWith("deleted done (succeeded");
    assertThat(enas.service.searches).doesNotContainKey("done");

    assertThat(run("search", "delete", "a")).isEqualTo(3);
    assertThat(err).startsWith("enas: FAILED_PRECONDITION: search a is running");
    assertThat(enas.service.searches).containsKey("a");

    assertThat(run("search", "delete", "done")).isNotZero();
    assertThat(err).contains("NOT_FOUND");
  }

  @Test
  void pauseAndResumeSayWhatTheyDidAndAnEndedSearchIsAServerError() {
    enas.service.add(running("a", 0.5), List.of());
    enas.service.add(Events.search("done", SearchState.SEARCH_STATE_SUCCEEDED), List.of());

    assertThat(run("search", "pause", "a")).isZero();
    assertThat(out).startsWith("pausing a (shared training)");
    assertThat(enas.service.searches.get("a").getPaused()).isTrue();
    assertThat(run("search", "pause", "a")).isZero();
    assertThat(out).startsWith("a was already paused");

    assertThat(run("search", "resume", "a")).isZero();
    assertThat(out).startsWith("resuming a (shared training)");
    assertThat(enas.service.searches.get("a").getPaused()).isFalse();
    assertThat(run("search", "resume", "a")).isZero();
    assertThat(out).startsWith("a was not paused");

    assertThat(run("search", "pause", "done")).isEqualTo(3);
    assertThat(err).startsWith("enas: FAILED_PRECONDITION: search done has already ended");
    assertThat(run("search", "pause", "nope")).isNotZero();
    assertThat(err).contains("NOT_FOUND");
  }

  // ----- arch ------------------------------------------------------------------------------

  @Test
  void archListShowsTheTopByRewardAcrossPages() {
    double[] rewards = {0.3, 0.9, 0.1, 0.7, 0.8, 0.2, 0.5};
    List<dev.enas.proto.v1.SampledArchitecture> history = new ArrayList<>();
    for (int i = 0; i < rewards.length; i++) {
      history.add(Events.sampled(i, rewards[i]));
    }
    enas.service.histories.put("s1", history);

    assertThat(run("arch", "list", "s1", "--top", "3")).isZero();

    String[] lines = out.split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).matches("#\\s+INDEX\\s+REWARD\\s+EPOCH\\s+POLICY\\s+ARCHITECTURE");
    assertThat(lines[1]).matches("1\\s+1\\s+0\\.9000\\s+1\\s+0\\s+macro: 1 \\| 2 1");
    assertThat(lines[2]).matches("2\\s+4\\s+0\\.8000\\s+2\\s+2\\s+macro: 4 \\| 5 1");
    assertThat(lines[3]).matches("3\\s+3\\s+0\\.7000\\s+1\\s+1\\s+macro: 3 \\| 4 1");
    assertThat(enas.service.architectureLists)
        .allSatisfy(
            r -> assertThat(r.getOrderBy()).isEqualTo(ArchitectureOrder.ARCHITECTURE_ORDER_REWARD));
  }

  @Test
  void archListInSamplingOrderAndArchGet() {
    enas.service.histories.put(
        "s1", List.of(Events.sampled(0, 0.2), Events.sampled(1, 0.4), Events.sampled(2, 0.3)));

    assertThat(run("arch", "list", "s1", "--order", "sampled", "--top", "2")).isZero();
    assertThat(out.split("\n")).hasSize(3);
    assertThat(out.split("\n")[2]).contains("0.4000");

    assertThat(run("arch", "get", "s1", "2")).isZero();
    assertThat(out).startsWith("macro: 2 | 3 1\nindex 2, epoch 1, policy 1: reward 0.3000");
  }

  // ----- --server --------------------------------------------------------------------------

  @Test
  void serverOptionWorksBeforeOrAfterTheSubcommand() {
    run("--server", "first:1", "search", "list");
    run("search", "list", "--server", "second:2");

    assertThat(targets).containsExactly("first:1", "second:2");
  }

  @Test
  void serverDefaultsToEnasServerElseLocalhost() {
    String fromEnvironment = System.getenv("ENAS_SERVER");

    run("search", "list");

    assertThat(targets)
        .containsExactly(
            fromEnvironment != null && !fromEnvironment.isEmpty()
                ? fromEnvironment
                : "localhost:8980");
  }

  @Test
  void unreachableServerIsAServerErrorThatNamesTheTarget() {
    EnasCli cli = new EnasCli(dev.enas.client.EnasClient::connect, false, () -> 80);
    int code = execute(cli, "search", "list", "--server", "localhost:1");

    assertThat(code).isEqualTo(3);
    assertThat(err).startsWith("enas: UNAVAILABLE").contains("localhost:1");
    assertThat(err).contains(Status.Code.UNAVAILABLE.name());
  }

  private static Search running(String id, double best) {
    return Events.search(id, SearchState.SEARCH_STATE_RUNNING).toBuilder()
        .setPhase(Phase.PHASE_SHARED_TRAINING)
        .setProgress(dev.enas.proto.v1.Progress.newBuilder().setEpoch(1).setEpochs(6))
        .setBest(
            ScoredArchitecture.newBuilder().setArchitecture(Events.arch("1 | 0 1")).setReward(best))
        .build();
  }

  // ----- data list ---------------------------------------------------------------------------

  @Test
  void dataListShowsWhatASpecMayName() {
    assertThat(run("data", "list")).as(err).isZero();

    String[] lines = out.split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).matches("DATASET\\s+KIND\\s+WHERE");
    assertThat(lines[1]).matches("fashion-mnist\\s+images\\s+embedded");
    assertThat(lines[2]).matches("ptb:corpora/ptb\\s+text\\s+data root");
  }

  // ----- model list, model download -------------------------------------------------------

  @Test
  void modelListShowsTheModelOfEverySucceededSearchAcrossPages() {
    enas.service.add(published("shirts", "shirts", 1, 0.8123), List.of());
    enas.service.add(Events.search("broken", SearchState.SEARCH_STATE_FAILED), List.of());
    enas.service.add(Events.search("unpublished", SearchState.SEARCH_STATE_SUCCEEDED), List.of());
    enas.service.add(published("shoes", "footwear", 3, 0.7), List.of());
    Search words = published("words", "words", 1, Double.NaN);
    enas.service.add(
        words.toBuilder()
            .setResult(words.getResult().toBuilder().setTestPerplexity(122.18))
            .build(),
        List.of());

    assertThat(run("model", "list")).as(err).isZero();

    String[] lines = out.split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).matches("MODEL\\s+VERSION\\s+TEST ACCURACY\\s+TEST PERPLEXITY\\s+SEARCH");
    assertThat(lines[1]).matches("shirts\\s+1\\s+0\\.8123\\s+-\\s+shirts");
    assertThat(lines[2]).matches("footwear\\s+3\\s+0\\.7000\\s+-\\s+shoes");
    assertThat(lines[3]).matches("words\\s+1\\s+-\\s+122\\.1800\\s+words");
    assertThat(enas.service.searchLists)
        .isNotEmpty()
        .allSatisfy(
            request ->
                assertThat(request.getStatesList())
                    .containsExactly(SearchState.SEARCH_STATE_SUCCEEDED));
    assertThat(enas.service.searchLists).hasSize(2);
  }

  @Test
  void modelListWithoutModelsSaysSo() {
    enas.service.add(Events.search("running", SearchState.SEARCH_STATE_RUNNING), List.of());

    assertThat(run("model", "list")).isZero();

    assertThat(out).isEqualTo("no models\n");
  }

  @Test
  void modelDownloadWritesTheSearchsModelFileAndNamesWhatItWrote() throws IOException {
    byte[] first = bytes(2500, 1);
    byte[] second = bytes(10, 2);
    enas.service.add(published("shirts", "shirts", 1, 0.8), List.of());
    enas.service.models.put("shirts", java.util.Map.of(1L, first, 2L, second));
    Path file = dir.resolve("shirts.onnx");
    Files.writeString(file, "an older file, replaced");

    assertThat(run("model", "download", "shirts", "-o", file.toString())).as(err).isZero();

    assertThat(Files.readAllBytes(file)).isEqualTo(first);
    assertThat(out).isEqualTo("wrote " + file + ": model shirts version 1, 2,500 bytes\n");
    assertThat(enas.service.downloads)
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.getSearchId()).isEqualTo("shirts");
              assertThat(request.getVersion()).isZero();
            });

    assertThat(run("model", "download", "shirts", "--version", "2", "--output", file.toString()))
        .as(err)
        .isZero();

    assertThat(Files.readAllBytes(file)).isEqualTo(second);
    assertThat(out).contains("version 2, 10 bytes");
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void modelDownloadOfAMissingModelIsAServerErrorAndLeavesNoFile() throws IOException {
    enas.service.add(published("shirts", "shirts", 1, 0.8), List.of());
    enas.service.models.put("shirts", java.util.Map.of(1L, bytes(10, 1)));
    Path file = dir.resolve("model.onnx");

    assertThat(run("model", "download", "shirts", "--version", "7", "-o", file.toString()))
        .isEqualTo(3);
    assertThat(err).startsWith("enas: NOT_FOUND").contains("version 7");
    assertThat(run("model", "download", "nope", "-o", file.toString())).isEqualTo(3);
    assertThat(err).startsWith("enas: NOT_FOUND").contains("nope");

    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("no model and no partial download").isEmpty();
    }
  }

  @Test
  void modelDownloadWithABadCommandLineExitsTwoBeforeCallingTheServer() {
    assertThat(run("model", "download", "shirts")).isEqualTo(2);
    assertThat(err).contains("--output");
    assertThat(
            run(
                "model",
                "download",
                "shirts",
                "-o",
                dir.resolve("no-such-folder").resolve("m.onnx").toString()))
        .isEqualTo(2);
    assertThat(err).contains("no folder");
    assertThat(
            run(
                "model",
                "download",
                "shirts",
                "--version",
                "-1",
                "-o",
                dir.resolve("m.onnx").toString()))
        .isEqualTo(2);
    assertThat(err).contains("--version");

    assertThat(enas.service.downloads).isEmpty();
  }

  /** A succeeded search that published model {@code model} at {@code version}. */
  private static Search published(String id, String model, long version, double accuracy) {
    return Events.search(id, SearchState.SEARCH_STATE_SUCCEEDED).toBuilder()
        .setPhase(Phase.PHASE_SUCCEEDED)
        .setModelName(model)
        .setModelVersion(version)
        .setResult(
            dev.enas.proto.v1.SearchResult.newBuilder()
                .setTestAccuracy(accuracy)
                .setParameters(1000)
                .setArchitecture(Events.arch("1 | 0 1")))
        .build();
  }

  private static byte[] bytes(int count, long seed) {
    byte[] out = new byte[count];
    new java.util.Random(seed).nextBytes(out);
    return out;
  }

  // ----- infer ------------------------------------------------------------------------------

  @Test
  void classLabelsAreReadAsAJsonArrayOfStringsOrNotAtAll() {
    String json = "[\"T-shirt/top\",\"a \\\"b\\\"\",\"caf\\u00e9\"]";
    assertThat(InferCommand.labels(metadataWithLabels(json)))
        .containsExactly("T-shirt/top", "a \"b\"", "caf\u00e9");
    assertThat(InferCommand.labels(metadataWithLabels("[\"a\", 3]"))).isEmpty();
    assertThat(InferCommand.labels(metadataWithLabels("labels = [a, b]"))).isEmpty();
    assertThat(InferCommand.labels(metadataWithLabels("{\"a\": \"b\"}"))).isEmpty();
    assertThat(InferCommand.labels(ModelMetadataResponse.getDefaultInstance())).isEmpty();
  }

  private static ModelMetadataResponse metadataWithLabels(String json) {
    return ModelMetadataResponse.newBuilder()
        .putParameters(
            InferCommand.CLASS_LABELS, InferParameter.newBuilder().setStringParam(json).build())
        .build();
  }

  @Test
  void inferSendsAGreyImageAsItsPixelsOverTwoHundredFiftyFiveAndPrintsTheLabelledTopClasses()
      throws IOException {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < 16; i++) {
      image.getRaster().setSample(i % 4, i / 4, 0, i * 17);
    }
    Path png = dir.resolve("shirt.png");
    javax.imageio.ImageIO.write(image, "png", png.toFile());

    int code = run("infer", "--model", "fashion", "--image", png.toString(), "--top", "2");

    assertThat(code).as(err).isZero();
    assertThat(out)
        .isEqualTo(
            png
                + ": model fashion version 1\n"
                + " 1. Trouser              0.7000\n"
                + " 2. Bag                  0.2000\n");
    assertThat(enas.inference.requests)
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.getInputs(0).getName()).isEqualTo("input");
              assertThat(request.getInputs(0).getShapeList()).containsExactly(1L, 1L, 4L, 4L);
              java.nio.FloatBuffer sent =
                  request
                      .getRawInputContents(0)
                      .asReadOnlyByteBuffer()
                      .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                      .asFloatBuffer();
              assertThat(sent.remaining()).isEqualTo(16);
              for (int i = 0; i < 16; i++) {
                assertThat(sent.get(i)).as("pixel %d", i).isEqualTo(i * 17 / 255f);
              }
            });
  }

  @Test
  void inferResizesAColourImageToTheModelsInputAndTurnsItGrey() throws IOException {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        image.setRGB(x, y, 0xff0000);
      }
    }
    Path png = dir.resolve("red.png");
    javax.imageio.ImageIO.write(image, "png", png.toFile());

    assertThat(run("infer", "--model", "fashion", "--image", png.toString())).as(err).isZero();

    assertThat(out).contains(" 3. T-shirt/top");
    java.nio.FloatBuffer sent =
        enas.inference
            .requests
            .get(0)
            .getRawInputContents(0)
            .asReadOnlyByteBuffer()
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer();
    assertThat(sent.remaining()).isEqualTo(16);
    for (int i = 0; i < 16; i++) {
      assertThat(sent.get(i)).isCloseTo(0.299f, org.assertj.core.api.Assertions.within(1e-6f));
    }
  }

  @Test
  void inferOnAFileThatIsNoImageExitsTwoNamingIt() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");

    int code = run("infer", "--model", "fashion", "--image", text.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err).contains(text.toString()).contains("not a PNG or JPEG");
    assertThat(enas.inference.requests).isEmpty();
    assertThat(run("infer", "--model", "fashion", "--image", dir.resolve("absent.png").toString()))
        .isEqualTo(2);
    assertThat(err).contains("absent.png");
  }

  private int run(String... args) {
    EnasCli cli =
        new EnasCli(
            target -> {
              targets.add(target);
              return enas.client();
            },
            progress,
            () -> 100);
    return execute(cli, args);
  }

  private int execute(EnasCli cli, String... args) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    picocli.CommandLine line = EnasCli.commandLine(cli);
    line.setOut(new PrintWriter(stdout, true));
    line.setErr(new PrintWriter(stderr, true));
    int code = line.execute(args);
    out = stdout.toString();
    err = stderr.toString();
    return code;
  }
}
