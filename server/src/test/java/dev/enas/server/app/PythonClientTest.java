package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
      String output = ExternalClients.succeed(List.of("/usr/bin/python3",
          PYTHON_CLIENT.resolve("enas_client.py").toString(), "127.0.0.1:" + server.port()), 5);
      assertThat(output).contains("created ").contains(" finished ").contains("derived macro: ");
      assertThat(Files.list(PYTHON_CLIENT.resolve("gen/enas/v1")).count()).isGreaterThan(2);
    }
  }
}
