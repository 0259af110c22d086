package dev.enas.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

  /**
   * Skips the calling test when python3-onnx is missing, saying so on standard error as well:
   * quiet builds hide skipped tests, and a missing checker should not pass unnoticed.
   */
  static void assumeAvailable(String test) {
    String skipped = "SKIPPED: python3-onnx is not installed (apt-get install -y python3-onnx);"
        + " " + test + " did not run";
    boolean available = available();
    if (!available) {
      System.err.println(skipped);
    }
    Assumptions.assumeTrue(available, skipped);
  }

  /**
   * Runs {@code onnx.checker.check_model(full_check=True)} on the file and asserts that it passes.
   *
   * @return the model's IR version and opset, as "8 17"
   */
  static String check(Path file, String what) throws IOException, InterruptedException {
    Process check = new ProcessBuilder("/usr/bin/python3", "-c", CHECK, file.toString())
        .redirectErrorStream(true)
        .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as("onnx.checker on %s:%n%s", what, output).isZero();
    return output.strip();
  }

  private static boolean available() {
    try {
      Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import onnx")
          .redirectErrorStream(true)
          .start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
