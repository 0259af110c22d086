package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.server.api.SearchControl.Action;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.spec.SearchSpec;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's buttons answer through the gRPC service's own handlers: what they start is what
 * CreateSearch starts, what the service refuses comes back as the domain refusal naming the field,
 * and on a server with tokens (where the HTTP port could not tell who asks) nothing at all is done.
 */
class DashboardControlTest {

  private static Throwable failure(CompletionStage<?> stage) {
    Throwable thrown = catchThrowable(() -> stage.toCompletableFuture().join());
    assertThat(thrown).isInstanceOf(CompletionException.class);
    return thrown.getCause();
  }

  @Test
  void aPresetStartsTheSearchCreateSearchWouldAndActionsReachTheService() throws Exception {
    try (TestServer server = TestServer.start(64)) {
      SearchControl control = new DashboardControl(() -> server.server.searchService(), false);
      Search started = control.start("smoke", "micro", 7, "ctl-1").toCompletableFuture().join();
      assertThat(started.getId()).isEqualTo("ctl-1");
      Search stored =
          server.blocking.getSearch(GetSearchRequest.newBuilder().setSearchId("ctl-1").build());
      assertThat(stored.getSpec()).isEqualTo(SpecMapper.toWire(SearchSpec.smoke("micro", 7)));
      Search cancelled = control.act(Action.CANCEL, "ctl-1").toCompletableFuture().join();
      assertThat(cancelled.getId()).isEqualTo("ctl-1");

      Throwable badId = failure(control.start("smoke", "macro", 1, "Bad_Id"));
      assertThat(badId).isInstanceOf(SearchBackendException.InvalidArgument.class);
      assertThat(((SearchBackendException.InvalidArgument) badId).violations().get(0).field())
          .isEqualTo("search_id");
      assertThat(failure(control.start("large", "macro", 1, "")))
          .isInstanceOf(SearchBackendException.InvalidArgument.class)
          .hasMessageStartingWith("preset: must be one of [smoke, demo, paper]");
      assertThat(failure(control.start("smoke", "cnn", 1, "")))
          .hasMessageStartingWith("space: must be one of [macro, micro, rnn]");
      assertThat(failure(control.act(Action.CANCEL, "nope")))
          .isInstanceOf(SearchBackendException.NotFound.class)
          .hasMessageContaining("nope");
    }
  }

  @Test
  void withTokensOnTheDashboardChangesNothing() throws Exception {
    try (TestServer server = TestServer.start(64)) {
      SearchControl control = new DashboardControl(() -> server.server.searchService(), true);
      assertThat(failure(control.start("smoke", "macro", 1, "tok-1")))
          .isInstanceOf(SearchBackendException.PermissionDenied.class)
          .hasMessageContaining("gRPC with a token");
      for (Action action : Action.values()) {
        assertThat(failure(control.act(action, "tok-1")))
            .isInstanceOf(SearchBackendException.PermissionDenied.class);
      }
      assertThat(
              server
                  .backend
                  .list(10, 0, java.util.EnumSet.allOf(dev.enas.train.Phase.class))
                  .toCompletableFuture()
                  .join()
                  .items())
          .isEmpty();
    }
  }

  @Test
  void beforeTheGrpcServiceHasStartedItAsksToTryAgain() {
    SearchControl control = new DashboardControl(() -> null, false);
    assertThat(failure(control.start("smoke", "macro", 1, "")))
        .isInstanceOf(SearchBackendException.FailedPrecondition.class)
        .hasMessageContaining("starting");
  }
}
