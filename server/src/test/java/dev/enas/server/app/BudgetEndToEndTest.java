package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.DataShape;
import dev.enas.train.ResourceEstimate;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget of a real server set to exactly a small search's estimate: that search runs to
 * the end, and the same search one channel wider is refused at create time.
 */
class BudgetEndToEndTest {
  @TempDir static Path dataDir;

  @Test
  void aSearchAtTheBudgetRunsAndAWiderOneIsRefused() throws Exception {
    SearchSpec smoke = SearchSpec.smoke("macro", 9);
    ResourceEstimate estimate =
        ResourceEstimate.of(smoke, DataShape.peek(smoke.data()).orElseThrow());
    try (EnasServer server =
        LoopbackServers.start(
            LoopbackServers.config(dataDir)
                .withValue(
                    "enas.limits.memory", ConfigValueFactory.fromAnyRef(estimate.memoryBytes())))) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        SearchServiceGrpc.SearchServiceBlockingStub stub =
            SearchServiceGrpc.newBlockingStub(channel);
        ChildSpec c = smoke.child();
        SearchSpec wider =
            new SearchSpec(
                smoke.space(),
                smoke.data(),
                new ChildSpec(c.channels() + 2, c.cellsPerStack(), c.batchSize(), c.dropout()),
                smoke.shared(),
                smoke.controller(),
                smoke.derive(),
                smoke.retrain(),
                smoke.seed(),
                smoke.languageModel());
        StatusRuntimeException refused =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    stub.createSearch(
                        CreateSearchRequest.newBuilder()
                            .setSearchId("wider")
                            .setSpec(SpecMapper.toWire(wider))
                            .build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refused.getStatus().getDescription()).contains("enas.limits.memory");

        String id =
            stub.createSearch(
                    CreateSearchRequest.newBuilder()
                        .setSearchId("at-budget")
                        .setSpec(SpecMapper.toWire(smoke))
                        .build())
                .getId();
        Search search;
        do {
          Thread.sleep(100);
          search = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
        } while (!search.hasEndTime());
        assertThat(search.getState())
            .as(search.getFailureReason())
            .isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
