package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The clients in other languages (client/python, client/node) as the cross-language tests run
 * them: as processes, their output read whole.
 */
final class ExternalClients {
  private ExternalClients() {}

  /** What a process printed (standard output and error together), and its exit status. */
  record Run(int exit, String output) {}

  /** Runs {@code command}; fails the test if it takes longer than {@code minutes}. */
  static Run run(List<String> command, long minutes) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + minutes + " minutes");
    }
    return new Run(process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
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
      Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
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
