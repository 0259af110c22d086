package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The clients in other languages (client/python, client/node) as the cross-language tests run them:
 * as processes whose output is read while they run.
 */
final class ExternalClients {
  private ExternalClients() {}

  /** What a process printed (standard output and error together), and its exit status. */
  record Run(int exit, String output) {}

  /** Runs {@code command}; fails the test if it takes longer than {@code minutes}. */
  static Run run(List<String> command, long minutes) throws Exception {
    return run(new ProcessBuilder(command), minutes, TimeUnit.MINUTES);
  }

  /**
   * Starts {@code builder} with standard error joined to standard output and reads that output
   * while the process runs, so that a process printing more than a pipe holds never blocks; fails
   * the test, with what it printed so far, if it takes longer than the timeout.
   */
  static Run run(ProcessBuilder builder, long timeout, TimeUnit unit)
      throws IOException, InterruptedException {
    Process process = builder.redirectErrorStream(true).start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try (InputStream in = process.getInputStream()) {
                in.transferTo(output);
              } catch (IOException e) {
                // the process was killed: what was read so far is reported
              }
            },
            "external-client-output");
    drain.setDaemon(true);
    drain.start();
    if (!process.waitFor(timeout, unit)) {
      process.destroyForcibly();
      drain.join(5_000);
      throw new AssertionError(
          builder.command()
              + " did not finish in "
              + timeout
              + " "
              + unit.toString().toLowerCase()
              + "; output so far:\n"
              + output.toString(StandardCharsets.UTF_8));
    }
    // A child the process left behind may hold the pipe open: do not wait for it for ever.
    drain.join(30_000);
    return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
  }

  /** Runs {@code command}, fails the test unless it exits with 0, and returns its output. */
  static String succeed(List<String> command, long minutes) throws Exception {
    Run run = run(command, minutes);
    assertThat(run.exit()).as("%s exited with output:%n%s", command, run.output()).isZero();
    return run.output();
  }

  /** Whether {@code probe} runs and exits with 0 within 30 s: is a language's runtime here? */
  static boolean available(String... probe) {
    try {
      return run(new ProcessBuilder(probe), 30, TimeUnit.SECONDS).exit() == 0;
    } catch (IOException | AssertionError e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Returns when a tool the calling test needs is here. Without it the test fails under {@code
   * CI=true}, naming what to install, so that CI cannot pass by skipping; elsewhere it skips,
   * saying so on standard error as well, since quiet builds hide skipped tests.
   *
   * @param missing what is missing, for example "python3's grpc module"
   * @param install how to get it, for example "apt-get install -y python3-grpcio"
   */
  static void require(boolean available, String missing, String install) {
    if (available) {
      return;
    }
    String message = missing + " is missing (" + install + "; .ci/run does)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and " + message + ": the cross-language check cannot run");
    }
    System.err.println("SKIPPED: " + message);
    Assumptions.abort("SKIPPED: " + message);
  }

  /** Fails under CI, skips elsewhere, unless /usr/bin/python3 has Debian's grpc and protobuf. */
  static void requirePythonGrpc() {
    require(
        available("/usr/bin/python3", "--version"),
        "/usr/bin/python3",
        "apt-get install -y python3");
    require(
        available("/usr/bin/python3", "-c", "import grpc"),
        "python3's grpc module",
        "apt-get install -y python3-grpcio");
    require(
        available("/usr/bin/python3", "-c", "import google.protobuf"),
        "python3's protobuf module",
        "apt-get install -y python3-protobuf");
  }

  /** The clients' fixed example input (inference_client.py's example_pixels, enas_client.js's). */
  static float[] examplePixels(int count) {
    float[] pixels = new float[count];
    for (int i = 0; i < count; i++) {
      pixels[i] = ((i * 7) % 16) / 8.0f - 1.0f;
    }
    return pixels;
  }
}
