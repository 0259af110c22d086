package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.serving.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a JavaScript dashboard sees it: client/node/enas_client.js, on @grpc/grpc-js with
 * the project's .proto files loaded at run time, follows a search's events over a loopback port,
 * downloads its model, and runs a published model through the Open Inference Protocol.
 */
@Tag("slow")
class NodeClientTest {
  private static final Path NODE_CLIENT = Path.of("..", "client", "node");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @BeforeEach
  void needsNodeAndItsPackages() {
    ExternalClients.require(
        ExternalClients.available("node", "--version"), "node", "apt-get install -y nodejs");
    ExternalClients.require(
        Files.isDirectory(NODE_CLIENT.resolve("node_modules").resolve("@grpc").resolve("grpc-js")),
        "client/node/node_modules (the Node.js client's packages)",
        "npm ci --prefix client/node");
  }

  private static ExternalClients.Run run(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("node", NODE_CLIENT.resolve("enas_client.js").toString()));
    command.addAll(List.of(args));
    return ExternalClients.run(command, 5);
  }

  /** Runs the client; returns the JSON lines it printed, and fails on a non-zero exit. */
  private static List<JsonNode> node(String... args) throws Exception {
    ExternalClients.Run run = run(args);
    String output = run.output();
    assertThat(run.exit()).as("%s exited with output:%n%s", List.of(args), output).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  private static List<Long> sequences(List<JsonNode> lines) {
    return lines.stream()
        .filter(l -> l.has("sequence"))
        .map(l -> l.get("sequence").asLong())
        .toList();
  }

  @Test
  void theNodeClientFollowsASearchToItsEndAndDownloadsItsModel() throws Exception {
    Path downloaded = dataDir.resolve("downloaded.onnx");
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      String target = "127.0.0.1:" + server.port();
      List<JsonNode> feed = node("feed", target, "--download", downloaded.toString());

      String searchId = feed.get(0).get("created").asText();
      JsonNode summary = feed.stream().filter(l -> l.has("ended")).findFirst().orElseThrow();
      assertThat(summary.get("ended").asText()).isEqualTo("finished");
      assertThat(summary.get("state").asText()).isEqualTo("SEARCH_STATE_SUCCEEDED");
      long count = summary.get("event_count").asLong();
      assertThat(summary.get("events_received").asLong()).isEqualTo(count);
      // Every event once, in order, from the first to the terminal one.
      List<Long> expected = new ArrayList<>();
      for (long s = 0; s < count; s++) {
        expected.add(s);
      }
      assertThat(sequences(feed)).isEqualTo(expected);
      JsonNode finished =
          feed.stream()
              .filter(l -> l.has("kind") && l.get("kind").asText().equals("finished"))
              .findFirst()
              .orElseThrow();
      assertThat(finished.get("architecture").asText()).startsWith("macro: ");
      assertThat(feed).anySatisfy(l -> assertThat(l.has("reward")).isTrue());

      JsonNode model = feed.get(feed.size() - 1);
      String name = model.get("model").asText();
      Path published =
          server
              .models()
              .root()
              .resolve(name)
              .resolve(Long.toString(model.get("version").asLong()))
              .resolve(ModelRepository.MODEL_FILE);
      assertThat(Files.readAllBytes(downloaded)).isEqualTo(Files.readAllBytes(published));

      // A dashboard opened later replays the finished search from any point.
      long from = count / 2;
      List<JsonNode> replay =
          node("feed", target, "--search", searchId, "--from", Long.toString(from));
      assertThat(sequences(replay)).isEqualTo(expected.subList((int) from, (int) count));
    }
  }

  @Test
  void theNodeClientRunsAPublishedModelWithRawContents() throws Exception {
    TestModels.Classifier classifier = TestModels.Classifier.of(3, 43);
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      server.models().publish("fashion", classifier.bytes(), Map.of("search_id", "s-1"));

      List<JsonNode> lines = node("infer", "127.0.0.1:" + server.port(), "fashion");

      assertThat(lines.get(0).get("live").asBoolean()).isTrue();
      JsonNode metadata = lines.get(1);
      assertThat(metadata.get("platform").asText()).isEqualTo("onnxruntime_onnx");
      assertThat(metadata.get("inputs").toString())
          .isEqualTo("[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,1,4,4]}]");
      float[] probabilities =
          classifier.probabilities(ExternalClients.examplePixels(2 * TestModels.PIXELS));
      double[] expected = new double[probabilities.length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = probabilities[i];
      }
      assertOutput(lines, "probabilities", "[2,3]", expected);
    }
  }

  /**
   * Against a server with TLS and a token file: with the CA file and a viewer's token file the
   * client runs a published model; without a token, or with a wrong one, the server answers
   * UNAUTHENTICATED and the client names that code.
   */
  @Test
  void theNodeClientUsesACaFileAndAToken() throws Exception {
    TestModels.Classifier classifier = TestModels.Classifier.of(3, 43);
    Path tokens = dataDir.resolve("security/tokens");
    Path tokenFile = dataDir.resolve("viewer.token");
    Files.writeString(tokenFile, TokenStore.add(tokens, "node", Role.VIEWER) + "\n");
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
      server.models().publish("fashion", classifier.bytes(), Map.of("search_id", "s-1"));
      // By name: Node warns (on the output this test parses) when TLS is given an address.
      String target = "localhost:" + server.port();

      List<JsonNode> lines =
          node("infer", target, "fashion", "--ca-file", ca, "--token-file", tokenFile.toString());
      assertThat(lines.get(0).get("live").asBoolean()).isTrue();
      assertThat(lines)
          .anySatisfy(l -> assertThat(l.path("output").asText()).isEqualTo("probabilities"));

      assertThat(nodeFails("infer", target, "fashion", "--ca-file", ca))
          .contains("UNAUTHENTICATED");
      assertThat(
              nodeFails(
                  "infer",
                  target,
                  "fashion",
                  "--ca-file",
                  ca,
                  "--token-file",
                  wrongToken.toString()))
          .contains("UNAUTHENTICATED");
      assertThat(nodeFails("feed", target, "--ca-file", ca)).contains("UNAUTHENTICATED");
    }
  }

  /**
   * A one-step language model through the Node client: INT64 token ids packed as raw little-endian
   * contents beside an FP32 hidden state, the answer matching the reference computation.
   */
  @Test
  void theNodeClientRunsALanguageModelStepWithInt64TokenIds() throws Exception {
    TestModels.LanguageModel lm = TestModels.LanguageModel.of("rnn: 1 | 0 0 | 0 3", 7, 4, 5);
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      server.models().publish("words", lm.bytes(), Map.of("search_id", "s-2"));

      List<JsonNode> lines = node("infer", "127.0.0.1:" + server.port(), "words");

      assertThat(lines.get(1).get("inputs").toString())
          .contains(
              "{\"name\":\"token_ids\",\"datatype\":\"INT64\",\"shape\":[-1]}",
              "{\"name\":\"hidden\",\"datatype\":\"FP32\",\"shape\":[-1,4]}");
      // The client sends tokens (i * 3) % 5 and its example pattern as the hidden state.
      int[] tokens = {0, 3};
      float[] pixels = ExternalClients.examplePixels(2 * 4);
      double[] hidden = new double[pixels.length];
      for (int i = 0; i < pixels.length; i++) {
        hidden[i] = pixels[i];
      }
      dev.enas.supernet.RnnReference.Step expected = lm.step(tokens, hidden);
      assertOutput(lines, "logits", "[2,7]", expected.logits());
      assertOutput(lines, "next_hidden", "[2,4]", expected.hidden());
    }
  }

  private static void assertOutput(
      List<JsonNode> lines, String name, String shape, double[] expected) {
    JsonNode output =
        lines.stream()
            .filter(l -> l.has("output") && l.get("output").asText().equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no output " + name + " in " + lines));
    assertThat(output.get("shape").toString()).isEqualTo(shape);
    JsonNode values = output.get("values");
    assertThat(values).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(values.get(i).asDouble())
          .as("%s[%d]", name, i)
          .isCloseTo(expected[i], within(1e-5));
    }
  }

  /**
   * The client's own tests (client/node/test): resuming a watch that a stand-in server cuts with
   * the resume trailer, as the enas server cuts a watcher too slow to keep up.
   */
  @Test
  void theNodeClientsOwnTestsPass() throws Exception {
    ExternalClients.Run run =
        ExternalClients.run(
            List.of(
                "node", "--test", NODE_CLIENT.resolve("test").resolve("follow.test.js").toString()),
            5);
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("# pass 4", "# fail 0");
  }

  @Test
  void theNodeClientNamesAnUnknownSearchAndABadSequence() throws Exception {
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      String target = "127.0.0.1:" + server.port();
      assertThat(nodeFails("feed", target, "--search", "no-such-search"))
          .contains("no-such-search");
      assertThat(nodeFails("feed", target, "--from", "-3")).contains("--from", "0 or more");
    }
  }

  /** Runs the client expecting it to fail; returns what it printed. */
  private static String nodeFails(String... args) throws Exception {
    ExternalClients.Run run = run(args);
    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    return run.output();
  }
}
