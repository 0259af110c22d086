package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as another language sees it: client/python/enas_client.py, on Debian's python3-grpcio,
 * creates a search over a loopback port, watches it to the end and reads the result.
 */
@Tag("slow")
class PythonClientTest {
  private static final Path PYTHON_CLIENT = Path.of("..", "client", "python");

  @Test
  void thePythonClientRunsASearchEndToEnd(@TempDir Path dataDir) throws Exception {
    ExternalClients.requirePythonGrpc();
    assertThat(PYTHON_CLIENT.resolve("enas_client.py")).exists();
    ExternalClients.succeed(List.of("bash", PYTHON_CLIENT.resolve("generate.sh").toString()), 5);
    // The search publishes its model into the data folder: a temporary one, not the working folder.
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      String output =
          ExternalClients.succeed(
              List.of(
                  "/usr/bin/python3",
                  PYTHON_CLIENT.resolve("enas_client.py").toString(),
                  "127.0.0.1:" + server.port()),
              5);
      assertThat(output).contains("created ").contains(" finished ").contains("derived macro: ");
      assertThat(Files.list(PYTHON_CLIENT.resolve("gen/enas/v1")).count()).isGreaterThan(2);
    }
  }

  /**
   * Against a server with TLS and a token file: with the CA file and an operator's token file the
   * client runs its search to the end; without a token, or with a wrong one, the server answers
   * UNAUTHENTICATED and the client says so.
   */
  @Test
  void thePythonClientUsesACaFileAndAToken(@TempDir Path dataDir) throws Exception {
    ExternalClients.requirePythonGrpc();
    ExternalClients.succeed(List.of("bash", PYTHON_CLIENT.resolve("generate.sh").toString()), 5);
    Path tokens = dataDir.resolve("security/tokens");
    Path tokenFile = dataDir.resolve("operator.token");
    Files.writeString(tokenFile, TokenStore.add(tokens, "python", Role.OPERATOR) + "\n");
    Path wrongToken = Files.writeString(dataDir.resolve("wrong.token"), "not-a-token");
    String ca = dataDir.resolve("tls/ca/ca.crt").toString();
    try (TlsCredentials tls = LoopbackServers.tls(dataDir.resolve("tls"));
        EnasServer server =
            LoopbackServers.start(
                LoopbackServers.config(dataDir)
                    .withValue(
                        "enas.security.tokens-file",
                        ConfigValueFactory.fromAnyRef(tokens.toString())),
                tls)) {
      String target = "127.0.0.1:" + server.port();
      String client = PYTHON_CLIENT.resolve("enas_client.py").toString();

      String output =
          ExternalClients.succeed(
              List.of(
                  "/usr/bin/python3",
                  client,
                  target,
                  "--ca-file",
                  ca,
                  "--token-file",
                  tokenFile.toString()),
              5);
      assertThat(output).contains("created ").contains(" finished ").contains("derived macro: ");

      for (List<String> token :
          List.of(List.<String>of(), List.of("--token-file", wrongToken.toString()))) {
        List<String> command =
            new ArrayList<>(List.of("/usr/bin/python3", client, target, "--ca-file", ca));
        command.addAll(token);
        ExternalClients.Run run = ExternalClients.run(command, 2);
        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("UNAUTHENTICATED");
      }
    }
  }
}
