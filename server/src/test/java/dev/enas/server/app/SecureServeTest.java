package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The real server's wiring of the security parts: {@code serve} refuses a non-loopback address
 * without TLS and tokens before starting anything, and a server with a token file refuses calls
 * without a token and answers those with one.
 */
class SecureServeTest {
  @TempDir Path dataDir;

  @Test
  void serveOnEveryInterfaceWithoutTlsAndTokensNeedsInsecure() {
    int code =
        new CommandLine(new Main())
            .execute(
                "serve",
                "--host",
                "0.0.0.0",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data-dir",
                dataDir.toString());
    assertThat(code).isEqualTo(2);
  }

  @Test
  void aServerWithATokenFileWantsTheToken() throws Exception {
    Path tokens = dataDir.resolve("security/tokens");
    String token = TokenStore.add(tokens, "ci", Role.VIEWER);
    try (EnasServer server =
        LoopbackServers.start(
            LoopbackServers.config(dataDir)
                .withValue(
                    "enas.security.tokens-file",
                    ConfigValueFactory.fromAnyRef(tokens.toString())))) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        SearchServiceGrpc.SearchServiceBlockingStub anonymous =
            SearchServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () -> anonymous.listDatasets(ListDatasetsRequest.getDefaultInstance()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        SearchServiceGrpc.SearchServiceBlockingStub viewer =
            anonymous.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        assertThat(viewer.listDatasets(ListDatasetsRequest.getDefaultInstance()).getDatasetsCount())
            .isGreaterThanOrEqualTo(2);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
