package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.data.EmbeddedData;
import dev.enas.data.TextCorpus;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.InferTensorContents;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recurrent-cell search on the embedded sonnets, end to end through the real server on a loopback
 * port: the spec goes over the wire as SEARCH_SPACE_RNN, the events carry perplexities, the search
 * reports the retrained cell's test perplexity, and its one-step model is served through
 * ModelInfer, where a client scores a sentence token by token.
 */
@Tag("slow")
class RnnServerEndToEndTest {
  private static final String ID = "sonnet-search";

  @TempDir static Path dataDir;

  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub searches;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference;
  private static List<SearchEvent> events;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackServers.start(LoopbackServers.config(dataDir));
    channel = LoopbackServers.channel(server);
    searches = SearchServiceGrpc.newBlockingStub(channel);
    inference = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    searches.createSearch(
        CreateSearchRequest.newBuilder()
            .setSearchId(ID)
            .setSpec(SpecMapper.toWire(SearchSpec.smoke("rnn", 21)))
            .build());
    events = new ArrayList<>();
    searches
        .withDeadlineAfter(5, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(ID).build())
        .forEachRemaining(events::add);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void theSearchReportsPerplexitiesAndTheRetrainedCellsTestPerplexity() {
    SearchEvent last = events.get(events.size() - 1);
    assertThat(last.hasFinished()).as("last event %s", last).isTrue();
    List<SearchEvent.ChildTrained> trained =
        events.stream()
            .filter(SearchEvent::hasChildTrained)
            .map(SearchEvent::getChildTrained)
            .toList();
    assertThat(trained)
        .isNotEmpty()
        .allSatisfy(
            t -> {
              assertThat(t.getArchitecture().getSpace()).isEqualTo(SearchSpace.SEARCH_SPACE_RNN);
              assertThat(t.hasPerplexity()).isTrue();
              assertThat(t.getPerplexity())
                  .isCloseTo(
                      Math.exp(t.getLoss()),
                      org.assertj.core.data.Offset.offset(1e-6 * t.getPerplexity()));
            });
    List<SearchEvent.ArchitectureSampled> sampled =
        events.stream()
            .filter(SearchEvent::hasArchitectureSampled)
            .map(SearchEvent::getArchitectureSampled)
            .toList();
    assertThat(sampled)
        .isNotEmpty()
        .allSatisfy(
            s ->
                assertThat(s.getReward() * s.getPerplexity())
                    .isCloseTo(80.0, org.assertj.core.data.Offset.offset(1e-6)));
    assertThat(
            events.stream()
                .filter(SearchEvent::hasFinalTrainingProgress)
                .map(SearchEvent::getFinalTrainingProgress))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.hasValidationPerplexity()).isTrue());

    SearchEvent.Finished finished = last.getFinished();
    assertThat(finished.hasTestPerplexity()).isTrue();
    assertThat(finished.getTestPerplexity()).isFinite().isGreaterThan(1);
    assertThat(finished.getArchitecture().getEncoding()).startsWith("rnn:");

    Search done = searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
    assertThat(done.getState()).isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
    assertThat(done.getPhase()).isEqualTo(Phase.PHASE_SUCCEEDED);
    assertThat(done.getResult().getTestPerplexity()).isEqualTo(finished.getTestPerplexity());
    assertThat(done.getSpec().getSpace().getKind()).isEqualTo(SearchSpace.SEARCH_SPACE_RNN);
    assertThat(done.getSpec().getLanguageModel().getBpttSteps()).isEqualTo(10);
    assertThat(done.getModelName()).isEqualTo(ID);
  }

  @Test
  void theServedStepModelScoresASentenceTokenByToken() {
    ModelMetadataResponse metadata =
        inference.modelMetadata(ModelMetadataRequest.newBuilder().setName(ID).build());
    assertThat(metadata.getInputsList())
        .extracting(ModelMetadataResponse.TensorMetadata::getName)
        .containsExactly("token_ids", "hidden");
    int hiddenSize = (int) metadata.getInputs(1).getShape(1);
    TextCorpus corpus = EmbeddedData.sonnets();
    int vocabulary = corpus.vocabulary().size();

    // Score the first 20 tokens of the test file: the mean negative log-likelihood must be that
    // of a model that learned something (below a uniform guess over the vocabulary).
    int[] sentence = java.util.Arrays.copyOf(corpus.test(), 21);
    float[] hidden = new float[hiddenSize];
    double nll = 0;
    for (int t = 0; t < 20; t++) {
      ModelInferResponse response =
          inference.modelInfer(
              ModelInferRequest.newBuilder()
                  .setModelName(ID)
                  .addInputs(
                      ModelInferRequest.InferInputTensor.newBuilder()
                          .setName("token_ids")
                          .setDatatype("INT64")
                          .addShape(1)
                          .setContents(
                              InferTensorContents.newBuilder().addInt64Contents(sentence[t])))
                  .addInputs(
                      ModelInferRequest.InferInputTensor.newBuilder()
                          .setName("hidden")
                          .setDatatype("FP32")
                          .addShape(1)
                          .addShape(hiddenSize)
                          .setContents(floats(hidden)))
                  .build());
      float[] probabilities = output(response, "probabilities");
      assertThat(probabilities).hasSize(vocabulary);
      nll -= Math.log(probabilities[sentence[t + 1]]);
      hidden = output(response, "next_hidden");
    }
    assertThat(nll / 20).isFinite().isLessThan(Math.log(vocabulary));
  }

  @Test
  void aBadCorpusFailsItsSearchNamingTheFileAndTheServerServesOn() throws Exception {
    Path corpus = java.nio.file.Files.createDirectories(dataDir.resolve("datasets/bad-corpus"));
    java.nio.file.Files.writeString(corpus.resolve("train.txt"), "\n\n");
    java.nio.file.Files.writeString(corpus.resolve("valid.txt"), "a b\n");
    java.nio.file.Files.writeString(corpus.resolve("test.txt"), "a b\n");
    dev.enas.proto.v1.SearchSpec.Builder spec =
        SpecMapper.toWire(SearchSpec.smoke("rnn", 2)).toBuilder();
    spec.getDataBuilder().setDataset("ptb:bad-corpus").setTrainLimit(0);
    assertThat(failureOf("empty-corpus", spec.build()))
        .contains("bad-corpus/train.txt")
        .contains("no tokens")
        .doesNotContain(dataDir.toString());

    dev.enas.proto.v1.SearchSpec.Builder tiny =
        SpecMapper.toWire(SearchSpec.smoke("rnn", 2)).toBuilder();
    tiny.getLanguageModelBuilder().setMaxVocabulary(10);
    assertThat(failureOf("tiny-vocabulary", tiny.build())).contains("languageModel.maxVocabulary");

    // The server answers everyone else as before.
    assertThat(searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build()).getState())
        .isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
  }

  private static String failureOf(String id, dev.enas.proto.v1.SearchSpec spec) {
    searches.createSearch(CreateSearchRequest.newBuilder().setSearchId(id).setSpec(spec).build());
    List<SearchEvent> log = new ArrayList<>();
    searches
        .withDeadlineAfter(2, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(log::add);
    SearchEvent last = log.get(log.size() - 1);
    assertThat(last.hasFailed()).as("last event of %s: %s", id, last).isTrue();
    return last.getFailed().getReason();
  }

  private static InferTensorContents floats(float[] values) {
    InferTensorContents.Builder out = InferTensorContents.newBuilder();
    for (float v : values) {
      out.addFp32Contents(v);
    }
    return out.build();
  }

  private static float[] output(ModelInferResponse response, String name) {
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals(name)) {
        return RawContents.toFloats(response.getRawOutputContents(i));
      }
    }
    throw new AssertionError("no output " + name + " in " + response.getOutputsList());
  }
}
