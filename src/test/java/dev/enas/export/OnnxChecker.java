package dev.enas.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The reference ONNX checker, Debian's python3-onnx, run on exported files: what the exporters'
 * tests use to show that the IR 8 / opset 17 contract holds for tools other than ONNX Runtime.
 */
final class OnnxChecker {
  private static final String CHECK =
      "import onnx, sys\n"
          + "m = onnx.load(sys.argv[1])\n"
          + "onnx.checker.check_model(m, full_check=True)\n"
          + "print(m.ir_version, m.opset_import[0].version)\n";

  private OnnxChecker() {}

  /** What a process printed (standard output and error together), and its exit status. */
  private record Run(int exit, String output) {}

  /**
   * Returns when python3-onnx is here. Without it the calling test fails under {@code CI=true},
   * naming the package, so that CI cannot pass by skipping; elsewhere it skips, saying so on
   * standard error as well: quiet builds hide skipped tests.
   */
  static void requireAvailable(String test) {
    Run probe = probe();
    if (probe.exit() == 0) {
      return;
    }
    String missing =
        "python3-onnx is missing or broken (apt-get install -y python3-onnx): "
            + "/usr/bin/python3 -c 'import onnx' said: "
            + lastLine(probe.output());
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and " + missing + "; " + test + " cannot run");
    }
    String skipped = "SKIPPED: " + missing + "; " + test + " did not run";
    System.err.println(skipped);
    Assumptions.abort(skipped);
  }

  /**
   * Runs {@code onnx.checker.check_model(full_check=True)} on the file and asserts that it passes.
   *
   * @return the model's IR version and opset, as "8 17"
   */
  static String check(Path file, String what) throws IOException, InterruptedException {
    Run check = run(List.of("/usr/bin/python3", "-c", CHECK, file.toString()), 60);
    assertThat(check.exit()).as("onnx.checker on %s:%n%s", what, check.output()).isZero();
    return check.output().strip();
  }

  private static String lastLine(String output) {
    List<String> lines = output.strip().lines().toList();
    return lines.isEmpty() ? "nothing" : lines.get(lines.size() - 1);
  }

  private static Run probe() {
    try {
      return run(List.of("/usr/bin/python3", "-c", "import onnx"), 30);
    } catch (IOException e) {
      return new Run(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Run(-1, e.toString());
    }
  }

  /**
   * Runs {@code command}, reading its output while it runs (a process that fills the pipe would
   * otherwise block), and fails the test if it takes longer than {@code seconds}.
   */
  private static Run run(List<String> command, long seconds)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
            "onnx-checker-output");
    drain.setDaemon(true);
    drain.start();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      drain.join(5_000);
      throw new AssertionError(
          command.get(0)
              + " did not finish in "
              + seconds
              + " s; output:\n"
              + output.toString(StandardCharsets.UTF_8));
    }
    drain.join(10_000);
    return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
  }
}
