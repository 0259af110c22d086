package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.ConfigValueFactory;
import dev.enas.client.EnasClient;
import dev.enas.client.EnasException;
import dev.enas.client.SearchWatch;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import dev.enas.spec.SearchSpec;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client ({@link EnasClient}, as the CLI builds it) against the real server with TLS and a
 * token file: with the CA and an operator's token it runs a search and follows its events to the
 * end over TLS; without the CA the handshake fails, without a token the server answers
 * UNAUTHENTICATED, and a viewer may look but not create.
 */
@Tag("slow")
class JavaClientOverTlsTest {
  @TempDir Path dataDir;

  @Test
  void theJavaClientRunsASearchOverTlsWithAToken() throws Exception {
    Path tokens = dataDir.resolve("security/tokens");
    String operator = TokenStore.add(tokens, "java", Role.OPERATOR);
    String viewer = TokenStore.add(tokens, "watcher", Role.VIEWER);
    Path ca = dataDir.resolve("tls/ca/ca.crt");
    try (TlsCredentials tls = LoopbackServers.tls(dataDir.resolve("tls"));
        EnasServer server =
            LoopbackServers.start(
                LoopbackServers.config(dataDir)
                    .withValue(
                        "enas.security.tokens-file",
                        ConfigValueFactory.fromAnyRef(tokens.toString())),
                tls)) {
      String target = "localhost:" + server.port();
      SearchSpec spec = SearchSpec.smoke("macro", 3);

      try (EnasClient client =
          EnasClient.builder().target(target).tls(ca).token(operator).build()) {
        assertThat(client.listDatasets()).isNotEmpty();
        Search created = client.createSearch(SpecMapper.toWire(spec));
        List<SearchEvent> events = new ArrayList<>();
        try (SearchWatch watch = client.watch(created.getId(), 0)) {
          watch.forEachRemaining(events::add);
        }
        assertThat(events).isNotEmpty();
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).getSequence()).isEqualTo(i);
        }
        assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
        assertThat(client.getSearch(created.getId()).getState())
            .isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
      }

      try (EnasClient client = EnasClient.builder().target(target).tls(ca).token(viewer).build()) {
        assertThat(client.listDatasets()).isNotEmpty();
        assertThat(code(() -> client.createSearch(SpecMapper.toWire(spec))))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
      }
      try (EnasClient client = EnasClient.builder().target(target).tls(ca).build()) {
        assertThat(code(client::listDatasets)).isEqualTo(Status.Code.UNAUTHENTICATED);
      }
      // The JVM's trust store does not hold the test CA: the handshake fails.
      try (EnasClient client =
          EnasClient.builder().target(target).tls(null).token(operator).build()) {
        assertThat(code(client::listDatasets)).isEqualTo(Status.Code.UNAVAILABLE);
      }
      // Plaintext to a TLS port does not get through either.
      try (EnasClient client = EnasClient.builder().target(target).token(operator).build()) {
        assertThat(code(client::listDatasets)).isEqualTo(Status.Code.UNAVAILABLE);
      }
    }
  }

  private static Status.Code code(Runnable call) {
    EnasException e = catchThrowableOfType(EnasException.class, call::run);
    assertThat(e).as("the call should have failed").isNotNull();
    return e.code();
  }
}
