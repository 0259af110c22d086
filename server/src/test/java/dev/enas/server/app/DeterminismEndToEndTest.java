package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.export.ModelMetadata;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.ControllerSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.LanguageModelSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's promise, checked where a user met it broken: the same spec and seed give the same
 * sampled architectures and rewards, the same derived child and the same retrained test accuracy,
 * bit for bit, in a server that has just run the same search, and in-process through {@link
 * SearchLoop} too. The specs have dropout (and cutout, for images), so every random draw of every
 * phase counts.
 */
@Tag("slow")
class DeterminismEndToEndTest {
  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub stub;

  @org.junit.jupiter.api.io.TempDir static java.nio.file.Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackServers.start(LoopbackServers.config(dataDir));
    channel = LoopbackServers.channel(server);
    stub = SearchServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  /**
   * The smoke search of {@code kind} with dropout in search and retraining (the recurrent cell's
   * embedding and input dropout too); the image spaces' smoke search has a cutout of 4 pixels.
   */
  static SearchSpec spec(String kind) {
    return spec(kind, 0);
  }

  /** The same, with the first {@code warmupEpochs} epochs sampling uniformly. */
  static SearchSpec spec(String kind, int warmupEpochs) {
    SearchSpec s = SearchSpec.smoke(kind, 31);
    ControllerSpec k = s.controller();
    ChildSpec c = s.child();
    ChildSpec r = s.retrain().network();
    LanguageModelSpec lm = s.languageModel();
    return new SearchSpec(
        s.space(),
        s.data(),
        new ChildSpec(c.channels(), c.cellsPerStack(), c.batchSize(), 0.3),
        s.shared(),
        new ControllerSpec(
            k.kind(),
            k.hiddenSize(),
            k.lstmLayers(),
            k.learningRate(),
            k.tanhConstant(),
            k.temperature(),
            k.opTanhReduce(),
            k.entropyWeight(),
            k.baselineDecay(),
            k.skipTarget(),
            k.skipWeight(),
            k.gradientClip(),
            k.adamBeta2(),
            k.adamEpsilon(),
            k.initRange(),
            k.updatesPerEpoch(),
            k.childrenPerUpdate(),
            warmupEpochs),
        s.derive(),
        new RetrainSpec(
            new ChildSpec(r.channels(), r.cellsPerStack(), r.batchSize(), 0.3),
            s.retrain().training(),
            s.retrain().cutout()),
        s.seed(),
        new LanguageModelSpec(lm.bpttSteps(), 0.1, 0.2, lm.maxVocabulary()));
  }

  private static List<SearchEvent> runOnServer(SearchSpec spec) {
    String id =
        stub.createSearch(CreateSearchRequest.newBuilder().setSpec(SpecMapper.toWire(spec)).build())
            .getId();
    List<SearchEvent> events = new ArrayList<>();
    stub.withDeadlineAfter(5, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** A double as its bits, so that equal means bit-identical. */
  private static String bits(double x) {
    return Long.toHexString(Double.doubleToRawLongBits(x));
  }

  /** What a seed must repeat, from the server's events. */
  private static List<String> outcomes(List<SearchEvent> events) {
    List<String> out = new ArrayList<>();
    for (SearchEvent e : events) {
      switch (e.getKindCase()) {
        case CHILD_TRAINED ->
            out.add(
                "trained "
                    + e.getChildTrained().getArchitecture().getEncoding()
                    + " loss "
                    + bits(e.getChildTrained().getLoss()));
        case ARCHITECTURE_SAMPLED ->
            out.add(
                "sampled "
                    + e.getArchitectureSampled().getArchitecture().getEncoding()
                    + " reward "
                    + bits(e.getArchitectureSampled().getReward())
                    + " log p "
                    + bits(e.getArchitectureSampled().getLogProbability()));
        case CONTROLLER_UPDATED ->
            out.add(
                "updated loss "
                    + bits(e.getControllerUpdated().getLoss())
                    + " baseline "
                    + bits(e.getControllerUpdated().getBaseline()));
        case DERIVED ->
            e.getDerived()
                .getTopList()
                .forEach(
                    c ->
                        out.add(
                            "derived "
                                + c.getArchitecture().getEncoding()
                                + " reward "
                                + bits(c.getReward())));
        case FINAL_TRAINING_PROGRESS -> {
          SearchEvent.FinalTrainingProgress p = e.getFinalTrainingProgress();
          out.add(
              "retrained loss "
                  + bits(p.getTrainLoss())
                  + " validation "
                  + bits(p.getValidationAccuracy())
                  + " / "
                  + bits(p.hasValidationPerplexity() ? p.getValidationPerplexity() : Double.NaN));
        }
        case FINISHED ->
            out.add(
                "finished "
                    + e.getFinished().getArchitecture().getEncoding()
                    + " test "
                    + bits(e.getFinished().getTestAccuracy())
                    + " / "
                    + bits(
                        e.getFinished().hasTestPerplexity()
                            ? e.getFinished().getTestPerplexity()
                            : Double.NaN));
        case STEP_SKIPPED ->
            out.add("skipped " + e.getStepSkipped().getArchitecture().getEncoding());
        case FAILED -> out.add("failed " + e.getFailed().getReason());
        default -> {}
      }
    }
    return out;
  }

  /** The same, from the engine's events. */
  private static List<String> engineOutcomes(List<dev.enas.train.SearchEvent> events) {
    List<String> out = new ArrayList<>();
    for (dev.enas.train.SearchEvent e : events) {
      if (e instanceof dev.enas.train.SearchEvent.ChildTrained c) {
        out.add("trained " + c.architecture() + " loss " + bits(c.loss()));
      } else if (e instanceof dev.enas.train.SearchEvent.ArchitectureSampled a) {
        out.add(
            "sampled "
                + a.architecture()
                + " reward "
                + bits(a.reward())
                + " log p "
                + bits(a.logProbability()));
      } else if (e instanceof dev.enas.train.SearchEvent.ControllerUpdated u) {
        out.add("updated loss " + bits(u.loss()) + " baseline " + bits(u.baseline()));
      } else if (e instanceof dev.enas.train.SearchEvent.Derived d) {
        d.top()
            .forEach(c -> out.add("derived " + c.architecture() + " reward " + bits(c.reward())));
      } else if (e instanceof dev.enas.train.SearchEvent.FinalTrainingProgress p) {
        out.add(
            "retrained loss "
                + bits(p.trainLoss())
                + " validation "
                + bits(p.validationAccuracy())
                + " / "
                + bits(p.validationPerplexity()));
      } else if (e instanceof dev.enas.train.SearchEvent.Finished f) {
        out.add(
            "finished "
                + f.architecture()
                + " test "
                + bits(f.testAccuracy())
                + " / "
                + bits(f.testPerplexity()));
      } else if (e instanceof dev.enas.train.SearchEvent.StepSkipped s) {
        out.add("skipped " + s.architecture());
      } else if (e instanceof dev.enas.train.SearchEvent.Failed f) {
        out.add("failed " + f.reason());
      }
    }
    return out;
  }

  @Test
  void anImageSearchRepeatsBitForBitInOneServerAndInProcess() {
    assertRepeats(spec("macro"), 1, 2);
  }

  @Test
  void aSearchWithAWarmUpEpochAndTheMostProbableChildRepeatsBitForBit() {
    // One of the two epochs trains uniformly drawn children: half the rewards and updates. The
    // derived child is the policy's mode (the demo's derivation), asked of the controller actor.
    SearchSpec s = spec("macro", 1);
    assertRepeats(
        new SearchSpec(
            s.space(),
            s.data(),
            s.child(),
            s.shared(),
            s.controller(),
            s.derive().withSelection(DeriveSpec.MOST_PROBABLE),
            s.retrain(),
            s.seed(),
            s.languageModel()),
        1,
        1);
  }

  @Test
  void aLanguageModelSearchRepeatsBitForBitInOneServerAndInProcess() {
    assertRepeats(spec("rnn"), 2, 2);
  }

  /**
   * Runs {@code spec} twice through the server, then in-process, and compares what the seed must
   * repeat; the smoke searches take 2 epochs of 4 steps and 2 updates of 3 children, the latter in
   * each of {@code controllerEpochs} epochs (the others are warm-up epochs).
   */
  private static void assertRepeats(SearchSpec spec, int retrainingEpochs, int controllerEpochs) {
    List<SearchEvent> firstEvents = runOnServer(spec);
    List<SearchEvent> secondEvents = runOnServer(spec);
    List<String> first = outcomes(firstEvents);

    // Every phase ran, so every phase's randomness was compared.
    assertThat(first).last().asString().startsWith("finished ");
    assertThat(first).filteredOn(s -> s.startsWith("trained ")).hasSize(2 * 4);
    assertThat(first).filteredOn(s -> s.startsWith("sampled ")).hasSize(controllerEpochs * 2 * 3);
    assertThat(first).filteredOn(s -> s.startsWith("updated ")).hasSize(controllerEpochs * 2);
    assertThat(first).filteredOn(s -> s.startsWith("derived ")).isNotEmpty();
    assertThat(first).filteredOn(s -> s.startsWith("retrained ")).hasSize(retrainingEpochs);

    assertThat(outcomes(secondEvents)).isEqualTo(first);

    List<dev.enas.train.SearchEvent> engine = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, engine::add, () -> false).run();
    assertThat(result.phase()).as(result.reason()).isEqualTo(Phase.SUCCEEDED);
    assertThat(engineOutcomes(engine)).isEqualTo(first);

    // The models record the thread count and oneDNN cap ("default": none) they trained at.
    String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
    for (List<SearchEvent> events : List.of(firstEvents, secondEvents)) {
      String id = events.get(0).getSearchId();
      assertThat(server.models().model(id).orElseThrow().defaultVersion().parameters())
          .containsEntry(ModelMetadata.INTRA_OP_THREADS, "1")
          .containsEntry(
              ModelMetadata.ONEDNN_MAX_CPU_ISA, isa == null || isa.isBlank() ? "default" : isa);
    }
  }
}
