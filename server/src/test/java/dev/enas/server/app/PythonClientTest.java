package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as another language sees it: client/python/enas_client.py, on Debian's python3-grpcio,
 * creates a search over a loopback port, watches it to the end and reads the result.
 */
class PythonClientTest {
  private static final Path PYTHON_CLIENT = Path.of("..", "client", "python");

  private static String run(List<String> command, long minutes) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + minutes + " minutes");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("%s exited with output:%n%s", command, output).isZero();
    return output;
  }

  private static boolean pythonHasGrpc() {
    try {
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import grpc, google.protobuf")
          .redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void thePythonClientRunsASearchEndToEnd(@TempDir Path dataDir) throws Exception {
    Assumptions.assumeTrue(pythonHasGrpc(),
        "SKIPPED: /usr/bin/python3 lacks grpc or protobuf; install Debian's python3-grpcio and "
            + "python3-protobuf (.ci/run does) to run the cross-language check");
    assertThat(PYTHON_CLIENT.resolve("enas_client.py")).exists();
    run(List.of("bash", PYTHON_CLIENT.resolve("generate.sh").toString()), 5);
    // The search publishes its model into the data folder: a temporary one, not the working folder.
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      String output = run(List.of("/usr/bin/python3",
          PYTHON_CLIENT.resolve("enas_client.py").toString(), "127.0.0.1:" + server.port()), 5);
      assertThat(output).contains("created ").contains(" finished ").contains("derived macro: ");
      assertThat(Files.list(PYTHON_CLIENT.resolve("gen/enas/v1")).count()).isGreaterThan(2);
    }
  }
}
