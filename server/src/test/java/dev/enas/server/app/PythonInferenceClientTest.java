package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.server.serving.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model serving as another language sees it: client/python/inference_client.py, on Debian's
 * python3-grpcio, asks the whole server on a loopback port whether it is live, reads a published
 * classifier's metadata and runs it with raw and with typed contents.
 */
@Tag("slow")
class PythonInferenceClientTest {
  private static final Path PYTHON_CLIENT = Path.of("..", "client", "python");

  @TempDir Path dataDir;

  @Test
  void thePythonClientReadsMetadataAndRunsAPublishedModel() throws Exception {
    ExternalClients.requirePythonGrpc();
    assertThat(PYTHON_CLIENT.resolve("inference_client.py")).exists();
    ExternalClients.succeed(List.of("bash", PYTHON_CLIENT.resolve("generate.sh").toString()), 5);
    TestModels.Classifier classifier = TestModels.Classifier.of(3, 41);
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      assertThat(server.models().root()).isEqualTo(dataDir.resolve("models").toAbsolutePath());
      server.models().publish("fashion", classifier.bytes(), Map.of("search_id", "s-1"));

      String output =
          ExternalClients.succeed(
              List.of(
                  "/usr/bin/python3",
                  PYTHON_CLIENT.resolve("inference_client.py").toString(),
                  "127.0.0.1:" + server.port(),
                  "fashion"),
              5);

      assertThat(output)
          .contains(
              "live True",
              "ready True",
              "model fashion versions ['1'] platform onnxruntime_onnx",
              "input image FP32 [-1, 1, 4, 4]",
              "output probabilities FP32 [-1, 3]",
              "class_labels [\"c0\", \"c1\", \"c2\"]",
              "inferred with version 1");
      String line =
          output
              .lines()
              .filter(l -> l.startsWith("output probabilities [2, 3] "))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no probabilities in:\n" + output));
      assertThat(line).endsWith("(raw and typed contents agree)");
      String[] numbers =
          line.substring("output probabilities [2, 3] ".length())
              .replace(" (raw and typed contents agree)", "")
              .split(" ");
      float[] expected =
          classifier.probabilities(ExternalClients.examplePixels(2 * TestModels.PIXELS));
      assertThat(numbers).as(Arrays.toString(numbers)).hasSize(expected.length);
      for (int i = 0; i < expected.length; i++) {
        assertThat(Float.parseFloat(numbers[i])).isCloseTo(expected[i], within(1e-5f));
      }
    }
  }

  /**
   * A one-step language model as a Python client sees it: INT64 token ids and an FP32 hidden state
   * in, logits and next_hidden out, through raw and typed contents alike, matching the reference
   * computation of the cell.
   */
  @Test
  void thePythonClientRunsALanguageModelStepWithInt64TokenIds() throws Exception {
    ExternalClients.requirePythonGrpc();
    ExternalClients.succeed(List.of("bash", PYTHON_CLIENT.resolve("generate.sh").toString()), 5);
    TestModels.LanguageModel lm = TestModels.LanguageModel.of("rnn: 1 | 0 0 | 0 3", 7, 4, 5);
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      server.models().publish("words", lm.bytes(), Map.of("search_id", "s-2"));

      String output =
          ExternalClients.succeed(
              List.of(
                  "/usr/bin/python3",
                  PYTHON_CLIENT.resolve("inference_client.py").toString(),
                  "127.0.0.1:" + server.port(),
                  "words"),
              5);

      assertThat(output)
          .contains(
              "input token_ids INT64 [-1]",
              "input hidden FP32 [-1, 4]",
              "output next_hidden FP32 [-1, 4]",
              "inferred with version 1");
      // The client sends tokens (i * 3) % 5 and its example pattern as the hidden state.
      int[] tokens = {0, 3};
      float[] pixels = ExternalClients.examplePixels(2 * 4);
      double[] hidden = new double[pixels.length];
      for (int i = 0; i < pixels.length; i++) {
        hidden[i] = pixels[i];
      }
      dev.enas.supernet.RnnReference.Step expected = lm.step(tokens, hidden);
      assertOutput(output, "logits [2, 7] ", expected.logits());
      assertOutput(output, "next_hidden [2, 4] ", expected.hidden());
    }
  }

  private static void assertOutput(String output, String prefix, double[] expected) {
    String line =
        output
            .lines()
            .filter(l -> l.startsWith("output " + prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + prefix + "in:\n" + output));
    assertThat(line).endsWith("(raw and typed contents agree)");
    String[] numbers =
        line.substring(("output " + prefix).length())
            .replace(" (raw and typed contents agree)", "")
            .split(" ");
    assertThat(numbers).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Double.parseDouble(numbers[i])).isCloseTo(expected[i], within(1e-5));
    }
  }
}
