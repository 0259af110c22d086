package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.RankCheck;
import dev.enas.proto.v1.RankCheckSpec;
import dev.enas.proto.v1.RankCheckedArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.KendallTau;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search whose spec asks for derive.rank_check reports it through the API: each architecture
 * trained alone as an event, the correlation with its pairs in the result of GetSearch and of the
 * JSON API, the same after the server restarts on its journal. Bad rank-check fields are refused
 * before anything runs, naming the field and its range.
 */
@Tag("slow")
class RankCheckEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  private static dev.enas.proto.v1.SearchSpec wire(SearchSpec spec, RankCheckSpec rankCheck) {
    dev.enas.proto.v1.SearchSpec w = SpecMapper.toWire(spec);
    return w.toBuilder().setDerive(w.getDerive().toBuilder().setRankCheck(rankCheck)).build();
  }

  private static SearchSpec smoke() {
    SearchSpec s = SearchSpec.smoke("macro", 21);
    // Six samples, all reported: the rank check's rewards can be found among them.
    return new SearchSpec(
        s.space(),
        s.data(),
        s.child(),
        s.shared(),
        s.controller(),
        new DeriveSpec(6, 6),
        s.retrain(),
        s.seed());
  }

  @Test
  void badRankCheckFieldsAreRefusedNamingTheFieldAndItsRange() throws Exception {
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        SearchServiceGrpc.SearchServiceBlockingStub stub =
            SearchServiceGrpc.newBlockingStub(channel);
        assertThatThrownBy(
                () ->
                    stub.createSearch(
                        CreateSearchRequest.newBuilder()
                            .setSpec(
                                wire(
                                    smoke(),
                                    RankCheckSpec.newBuilder().setArchitectures(2).build()))
                            .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription())
                      .contains(
                          "spec.derive.rank_check.architectures must be 0 (no rank check) or in"
                              + " 3..1000, was 2");
                });
        assertThatThrownBy(
                () ->
                    stub.createSearch(
                        CreateSearchRequest.newBuilder()
                            .setSpec(
                                wire(
                                    smoke(),
                                    RankCheckSpec.newBuilder()
                                        .setArchitectures(3)
                                        .setSteps(0)
                                        .build()))
                            .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription())
                      .contains("spec.derive.rank_check.steps must be in 1..1000000, was 0");
                });
        assertThatThrownBy(
                () ->
                    stub.createSearch(
                        CreateSearchRequest.newBuilder()
                            .setSpec(
                                wire(
                                    smoke(),
                                    RankCheckSpec.newBuilder().setArchitectures(7).build()))
                            .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e ->
                    assertThat(e.getStatus().getDescription())
                        .contains("spec.derive.rank_check.architectures must not exceed samples"));
        // Unset steps of a check that is on are the default, and the resolved spec says so.
        Search accepted =
            stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSpec(wire(smoke(), RankCheckSpec.newBuilder().setArchitectures(3).build()))
                    .setValidateOnly(true)
                    .build());
        assertThat(accepted.getSpec().getDerive().getRankCheck())
            .isEqualTo(RankCheckSpec.newBuilder().setArchitectures(3).setSteps(100).build());
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theRankCheckIsInTheResultOfGrpcAndJsonAndSurvivesARestart() throws Exception {
    Config config = LoopbackServers.config(dataDir);
    String id = "ranked";
    Search before;
    try (EnasServer server = LoopbackServers.start(config)) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        SearchServiceGrpc.SearchServiceBlockingStub stub =
            SearchServiceGrpc.newBlockingStub(channel);
        stub.createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(
                    wire(
                        smoke(),
                        RankCheckSpec.newBuilder().setArchitectures(4).setSteps(3).build()))
                .setSearchId(id)
                .build());
        List<SearchEvent> events = JournalRecoveryTest.watch(stub, id);
        before = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
        assertThat(before.getState()).isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);

        List<SearchEvent.Derived> derived =
            events.stream().filter(SearchEvent::hasDerived).map(SearchEvent::getDerived).toList();
        int expected = Math.min(4, derived.get(0).getTopCount());
        List<SearchEvent.RankCheckTrained> trained =
            events.stream()
                .filter(SearchEvent::hasRankCheckTrained)
                .map(SearchEvent::getRankCheckTrained)
                .toList();
        assertThat(trained).hasSize(expected);

        RankCheck check = before.getResult().getRankCheck();
        assertThat(before.getResult().hasRankCheck()).isTrue();
        assertThat(check.getArchitectureCount()).isEqualTo(expected);
        assertThat(check.getArchitecturesList())
            .isEqualTo(
                trained.stream().map(SearchEvent.RankCheckTrained::getArchitecture).toList());
        assertThat(check.getSteps()).isEqualTo(3);
        double[] rewards =
            check.getArchitecturesList().stream()
                .mapToDouble(RankCheckedArchitecture::getReward)
                .toArray();
        double[] alone =
            check.getArchitecturesList().stream()
                .mapToDouble(RankCheckedArchitecture::getStandaloneAccuracy)
                .toArray();
        assertThat(
                check.getArchitecturesList().stream()
                    .allMatch(RankCheckedArchitecture::hasStandaloneAccuracy))
            .isTrue();
        KendallTau recomputed = KendallTau.of(rewards, alone);
        assertThat(check.getKendallTau()).isEqualTo(recomputed.tau());
        assertThat(check.getPValue()).isEqualTo(recomputed.pValue());
        // The Finished event carries the same.
        assertThat(events.get(events.size() - 1).getFinished().getRankCheck()).isEqualTo(check);

        // The JSON API, with the proto's field names.
        HttpResponse<String> json =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:" + server.httpPort() + "/api/v1/searches/" + id))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(200);
        JsonNode rank = JSON.readTree(json.body()).get("result").get("rank_check");
        assertThat(rank.get("architecture_count").asInt()).isEqualTo(expected);
        assertThat(rank.get("architectures")).hasSize(expected);
        assertThat(rank.get("kendall_tau").asText())
            .isEqualTo(Double.toString(check.getKendallTau()));
        assertThat(rank.get("architectures").get(0).has("standalone_accuracy")).isTrue();
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }

    // The journal keeps it: a server started on the same data answers the same.
    try (EnasServer server = LoopbackServers.start(config)) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        Search after =
            SearchServiceGrpc.newBlockingStub(channel)
                .getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
        assertThat(after.getResult()).isEqualTo(before.getResult());
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }
}
