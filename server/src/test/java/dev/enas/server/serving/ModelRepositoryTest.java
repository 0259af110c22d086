package dev.enas.server.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.TextFormat;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository through its public interface, on a real folder and real ONNX Runtime sessions: the
 * layout publish writes, what a scan picks up from the folder, and that sessions close when their
 * version goes.
 */
class ModelRepositoryTest {
  private static final TestModels.Classifier CLASSIFIER = TestModels.Classifier.of(3, 7);

  @TempDir Path folder;

  private ModelRepository repository;

  private ModelRepository open() throws IOException {
    repository =
        ModelRepository.open(new ServingSettings(folder, Duration.ZERO, 8, "cpu", 1, 1, 4));
    return repository;
  }

  @AfterEach
  void close() {
    if (repository != null) {
      repository.close();
    }
  }

  private static Map<String, Tensor> images(float[] pixels) {
    return Map.of(
        TestModels.IMAGE,
        Tensor.ofFloats(
            new long[] {pixels.length / TestModels.PIXELS, 1, 4, 4}, FloatBuffer.wrap(pixels)));
  }

  private static float[] run(ModelVersion version, float[] pixels) {
    try (ModelSession session = version.acquire().orElseThrow()) {
      FloatBuffer out =
          session
              .run(images(pixels), List.of(TestModels.PROBABILITIES))
              .get(TestModels.PROBABILITIES)
              .floats();
      float[] values = new float[out.remaining()];
      out.get(values);
      return values;
    }
  }

  @Test
  void publishWritesTritonsLayoutAndServesAtOnce() throws IOException {
    open();
    ModelVersion first =
        repository.publish(
            "fashion",
            CLASSIFIER.bytes(),
            Map.of("search_id", "s-1", "architecture", "macro: 0 | 3 1"));
    ModelVersion second = repository.publish("fashion", CLASSIFIER.bytes(), Map.of());

    assertThat(first.version()).isEqualTo(1);
    assertThat(second.version()).isEqualTo(2);
    assertThat(folder.resolve("fashion/1/model.onnx")).hasBinaryContent(CLASSIFIER.bytes());
    assertThat(folder.resolve("fashion/2/model.onnx")).exists();
    try (Stream<Path> files = Files.list(folder.resolve("fashion/1"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("no temporary file is left behind")
          .containsExactlyInAnyOrder("model.onnx", ModelRepository.METADATA_FILE);
    }
    String config = Files.readString(folder.resolve("fashion/config.pbtxt"));
    assertThat(config)
        .contains(
            "name: \"fashion\"",
            "platform: \"onnxruntime_onnx\"",
            "max_batch_size: 8",
            "version_policy: { all: { } }",
            "name: \"image\"",
            "data_type: TYPE_FP32",
            "dims: [ 1, 4, 4 ]",
            "name: \"probabilities\"",
            "dims: [ 3 ]");

    ServedModel model = repository.model("fashion").orElseThrow();
    assertThat(model.readyVersions()).containsExactly(1L, 2L);
    assertThat(model.defaultVersion()).isSameAs(second);
    assertThat(first.inputs())
        .containsExactly(new TensorSpec("image", "FP32", List.of(-1L, 1L, 4L, 4L)));
    assertThat(first.outputs())
        .extracting(TensorSpec::name)
        .containsExactly(TestModels.LOGITS, TestModels.PROBABILITIES);
    assertThat(first.batched()).isTrue();
    assertThat(first.classLabels()).containsExactly("c0", "c1", "c2");
    assertThat(first.parameters())
        .containsEntry("search_id", "s-1")
        .containsEntry("architecture", "macro: 0 | 3 1")
        .containsEntry("class_labels", "[\"c0\", \"c1\", \"c2\"]");

    float[] pixels = TestModels.images(2, 1);
    float[] expected = CLASSIFIER.probabilities(pixels);
    float[] actual = run(first, pixels);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f));
    }
  }

  /** A metadata file as the hand-written JSON writer of earlier versions left it still reads. */
  @Test
  void metadataFilesWrittenByEarlierVersionsStillRead() throws IOException {
    Path version = Files.createDirectories(folder.resolve("fashion/1"));
    Files.write(version.resolve(ModelRepository.MODEL_FILE), CLASSIFIER.bytes());
    Files.writeString(
        version.resolve(ModelRepository.METADATA_FILE),
        """
        {
          "search_id": "s-1",
          "spec": "a \\"quoted\\" \\\\ value\\nline two \\u0001 caf\u00e9"
        }
        """,
        StandardCharsets.UTF_8);

    ModelVersion loaded = open().model("fashion").orElseThrow().defaultVersion();

    assertThat(loaded.parameters())
        .containsEntry("search_id", "s-1")
        .containsEntry("spec", "a \"quoted\" \\ value\nline two \u0001 caf\u00e9");
  }

  /** Any text survives the metadata file, and a file that is not JSON costs only the metadata. */
  @Test
  void metadataOfAnyCharacterRoundTripsThroughItsFile() throws IOException {
    Map<String, String> metadata =
        Map.of(
            "search_id",
            "s-2",
            "spec",
            "{\"a\": \"b\\\\c\"}\n\ttab caf\u00e9 \u4e2d \ud83d\ude00 \u0007");
    open().publish("fashion", CLASSIFIER.bytes(), metadata);
    repository.close();

    assertThat(open().model("fashion").orElseThrow().defaultVersion().parameters())
        .containsAllEntriesOf(metadata);
    repository.close();

    Files.writeString(
        folder.resolve("fashion/1").resolve(ModelRepository.METADATA_FILE), "search_id = s-2");
    ModelVersion reread = open().model("fashion").orElseThrow().defaultVersion();
    assertThat(reread.ready()).isTrue();
    assertThat(reread.parameters()).doesNotContainKey("spec");
  }

  /** Tensor names are the model's own: quoted as the protobuf text format wants them. */
  @Test
  void tritonConfigQuotesTensorNamesAsProtobufTextFormat() throws Exception {
    String awkward = "in \"x\" \\ caf\u00e9";
    String config =
        TritonConfig.render(
            "m",
            1,
            List.of(new TensorSpec(awkward, "FP32", List.of(-1L, 3L))),
            List.of(new TensorSpec("out", "FP32", List.of(-1L, 2L))),
            true,
            8);

    assertThat(config).contains("name: \"in \\\"x\\\" \\\\ caf\\303\\251\"\n");
    // protobuf reads the literal back to the name.
    String literal =
        config
            .lines()
            .filter(l -> l.startsWith("    name: \"in"))
            .findFirst()
            .orElseThrow()
            .substring("    name: \"".length());
    assertThat(TextFormat.unescapeBytes(literal.substring(0, literal.length() - 1)).toStringUtf8())
        .isEqualTo(awkward);
  }

  /**
   * A language model's step takes INT64 token ids beside the FP32 hidden state: both are served,
   * the config tells Triton their types (the token ids one scalar per batch item), and the token
   * ids are known to index the vocabulary.
   */
  @Test
  void aLanguageModelWithInt64TokenIdsIsServedStepByStep() throws IOException {
    TestModels.LanguageModel lm = TestModels.LanguageModel.of("rnn: 0 | 0 1 | 1 3", 27, 9, 4);
    ModelVersion version = open().publish("sonnets", lm.bytes(), Map.of());

    assertThat(version.inputs())
        .containsExactly(
            new TensorSpec("token_ids", "INT64", List.of(-1L)),
            new TensorSpec("hidden", "FP32", List.of(-1L, 9L)));
    assertThat(version.outputs())
        .containsExactly(
            new TensorSpec("logits", "FP32", List.of(-1L, 27L)),
            new TensorSpec("probabilities", "FP32", List.of(-1L, 27L)),
            new TensorSpec("next_hidden", "FP32", List.of(-1L, 9L)));
    assertThat(version.batched()).isTrue();
    assertThat(version.indexBounds()).containsExactly(Map.entry("token_ids", 27L));
    assertThat(version.classLabels()).isEmpty();
    assertThat(version.parameters())
        .containsEntry("model_kind", "language_model")
        .containsEntry("hidden_size", "9");
    String config = Files.readString(folder.resolve("sonnets/config.pbtxt"));
    assertThat(config).contains("max_batch_size: 8");
    assertThat(config.replaceAll("\\s+", " "))
        .contains("name: \"token_ids\" data_type: TYPE_INT64 dims: [ 1 ] reshape: { shape: [ ] }")
        .contains("name: \"hidden\" data_type: TYPE_FP32 dims: [ 9 ]")
        .contains("name: \"next_hidden\" data_type: TYPE_FP32 dims: [ 9 ]");

    int[][] sequences = {{3, 0, 26, 5, 5}, {1, 2, 3, 4, 25}};
    float[] state = new float[2 * 9];
    double[] expectedState = new double[2 * 9];
    try (ModelSession session = version.acquire().orElseThrow()) {
      for (int t = 0; t < sequences[0].length; t++) {
        int[] tokens = {sequences[0][t], sequences[1][t]};
        Map<String, Tensor> out =
            session.run(
                Map.of(
                    "token_ids",
                        Tensor.ofLongs(
                            new long[] {2}, LongBuffer.wrap(new long[] {tokens[0], tokens[1]})),
                    "hidden", Tensor.ofFloats(new long[] {2, 9}, FloatBuffer.wrap(state))),
                List.of("next_hidden", "logits"));
        assertThat(out.keySet()).containsExactly("next_hidden", "logits");
        var expected = lm.step(tokens, expectedState);
        float[] logits = floats(out.get("logits"));
        state = floats(out.get("next_hidden"));
        for (int i = 0; i < logits.length; i++) {
          assertThat((double) logits[i]).isCloseTo(expected.logits()[i], within(1e-4));
        }
        for (int i = 0; i < state.length; i++) {
          assertThat((double) state[i]).isCloseTo(expected.hidden()[i], within(1e-4));
        }
        expectedState = expected.hidden();
      }
    }
  }

  @Test
  void aModelOfAnotherElementTypeIsNotReadyAndSaysWhy() throws IOException {
    TestModels.place(folder, "doubles", 1, TestModels.float64Identity());
    open();

    ModelVersion version = repository.model("doubles").orElseThrow().defaultVersion();
    assertThat(version.ready()).isFalse();
    assertThat(version.reason())
        .contains("input 'x' holds DOUBLE elements")
        .contains("FP32 and INT64 tensors only");
  }

  private static float[] floats(Tensor tensor) {
    FloatBuffer data = tensor.floats();
    float[] values = new float[data.remaining()];
    data.get(values);
    return values;
  }

  @Test
  void aRestartFindsWhatWasPublishedWithItsMetadata() throws IOException {
    open().publish("fashion", CLASSIFIER.bytes(), Map.of("quote \"and\" slash \\", "line\nbreak"));
    repository.close();

    ModelVersion reloaded = open().model("fashion").orElseThrow().defaultVersion();

    assertThat(reloaded.ready()).isTrue();
    assertThat(reloaded.parameters()).containsEntry("quote \"and\" slash \\", "line\nbreak");
  }

  @Test
  void aModelThatCannotLoadIsNeverPublished() throws IOException {
    open();
    assertThatThrownBy(() -> repository.publish("broken", new byte[] {1, 2, 3}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model 'broken' cannot be published");
    assertThatThrownBy(() -> repository.publish("../escape", CLASSIFIER.bytes(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'../escape'");
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files).isEmpty();
    }
    assertThat(repository.openSessions()).isZero();
  }

  @Test
  void aCorruptFileMakesOnlyItsVersionNotReady() throws IOException {
    TestModels.place(folder, "good", 1, CLASSIFIER.bytes());
    TestModels.place(folder, "bad", 1, "not a model".getBytes(StandardCharsets.UTF_8));
    TestModels.place(folder, "mixed", 1, CLASSIFIER.bytes());
    TestModels.place(folder, "mixed", 2, new byte[] {0x08});
    open();

    ModelVersion bad = repository.model("bad").orElseThrow().defaultVersion();
    assertThat(bad.ready()).isFalse();
    assertThat(bad.reason())
        .contains("ONNX Runtime cannot load the model")
        .doesNotContain(folder.toString());
    assertThat(bad.acquire()).isEmpty();
    assertThat(repository.model("good").orElseThrow().defaultVersion().ready()).isTrue();
    ServedModel mixed = repository.model("mixed").orElseThrow();
    assertThat(mixed.versions().get(2L).ready()).isFalse();
    assertThat(mixed.defaultVersion().version())
        .as("a broken newest version leaves the default on the newest working one")
        .isEqualTo(1);
    assertThat(repository.openSessions()).isEqualTo(2);
  }

  @Test
  void scansFollowTheFolderAndCloseSessionsOfRemovedVersions() throws IOException {
    TestModels.place(folder, "fashion", 1, CLASSIFIER.bytes());
    open();
    ModelVersion first = repository.model("fashion").orElseThrow().defaultVersion();
    assertThat(repository.openSessions()).isEqualTo(1);

    TestModels.place(folder, "fashion", 2, TestModels.Classifier.of(3, 8).bytes());
    repository.scan();
    assertThat(repository.model("fashion").orElseThrow().defaultVersion().version()).isEqualTo(2);
    assertThat(repository.model("fashion").orElseThrow().versions().get(1L))
        .as("an unchanged file keeps its session")
        .isSameAs(first);
    assertThat(repository.openSessions()).isEqualTo(2);

    // A request holds version 1 while its folder goes: it finishes, then the session closes.
    float[] pixels = TestModels.images(1, 3);
    try (ModelSession held = first.acquire().orElseThrow()) {
      deleteTree(folder.resolve("fashion/1"));
      repository.scan();
      assertThat(repository.model("fashion").orElseThrow().versions()).containsOnlyKeys(2L);
      assertThat(first.acquire()).as("a removed version takes no new requests").isEmpty();
      assertThat(repository.openSessions()).as("still running a request").isEqualTo(2);
      assertThat(held.run(images(pixels), List.of(TestModels.PROBABILITIES))).isNotEmpty();
    }
    assertThat(repository.openSessions()).isEqualTo(1);

    // A file replaced in place is loaded anew and the old session closes at once.
    ModelVersion second = repository.model("fashion").orElseThrow().defaultVersion();
    Path replacement = Files.write(folder.resolve("replacement.tmp"), CLASSIFIER.bytes());
    Files.move(
        replacement,
        folder.resolve("fashion/2/model.onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    repository.scan();
    ModelVersion reloaded = repository.model("fashion").orElseThrow().defaultVersion();
    assertThat(reloaded).isNotSameAs(second);
    assertThat(second.acquire()).isEmpty();
    assertThat(run(reloaded, pixels)[0])
        .isCloseTo(CLASSIFIER.probabilities(pixels)[0], within(1e-5f));
    assertThat(repository.openSessions()).isEqualTo(1);

    deleteTree(folder.resolve("fashion"));
    repository.scan();
    assertThat(repository.modelNames()).isEmpty();
    assertThat(repository.openSessions()).isZero();
  }

  @Test
  void closingTheRepositoryClosesEverySession() throws IOException {
    TestModels.place(folder, "a", 1, CLASSIFIER.bytes());
    TestModels.place(folder, "b", 1, TestModels.adder());
    open();
    assertThat(repository.openSessions()).isEqualTo(2);

    repository.close();

    assertThat(repository.openSessions()).isZero();
    assertThat(repository.ready()).isFalse();
  }

  @Test
  void aHandWrittenConfigIsKeptAndItsBatchLimitApplies() throws IOException {
    Files.createDirectories(folder.resolve("fashion"));
    String handWritten = "name: \"fashion\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 4\n";
    Files.writeString(folder.resolve("fashion/config.pbtxt"), handWritten);
    open().publish("fashion", CLASSIFIER.bytes(), Map.of());

    assertThat(folder.resolve("fashion/config.pbtxt")).hasContent(handWritten);
    assertThat(repository.model("fashion").orElseThrow().maxBatch()).isEqualTo(4);
  }

  @Test
  void foldersThatAreNotModelsOrVersionsAreIgnored() throws IOException {
    TestModels.place(folder, "fashion", 1, CLASSIFIER.bytes());
    Files.createDirectories(folder.resolve("fashion/01"));
    Files.write(folder.resolve("fashion/01/model.onnx"), CLASSIFIER.bytes());
    Files.createDirectories(folder.resolve("fashion/latest"));
    Files.createDirectories(folder.resolve("fashion/3"));
    Files.createDirectories(folder.resolve(".hidden/1"));
    Files.write(folder.resolve("stray.onnx"), CLASSIFIER.bytes());
    open();

    assertThat(repository.modelNames()).containsExactly("fashion");
    assertThat(repository.model("fashion").orElseThrow().versions()).containsOnlyKeys(1L);
    assertThat(repository.ready()).isTrue();
  }

  @Test
  void settingsComeFromTheServersConfiguration() {
    var enas =
        ConfigFactory.load()
            .getConfig("enas")
            .withValue("data-dir", ConfigValueFactory.fromAnyRef("/srv/enas"))
            .withValue("device", ConfigValueFactory.fromAnyRef("gpu:1"));
    ServingSettings settings = ServingSettings.fromConfig(enas);
    assertThat(settings.repository()).isEqualTo(Path.of("/srv/enas", "models"));
    assertThat(settings.device()).isEqualTo("gpu:1");
    assertThat(settings.gpuId()).isEqualTo(1);
    assertThat(settings.scanInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.maxBatch()).isEqualTo(64);

    var explicit =
        enas.withValue("serving.repository", ConfigValueFactory.fromAnyRef("/models"))
            .withValue("serving.device", ConfigValueFactory.fromAnyRef("cpu"));
    assertThat(ServingSettings.fromConfig(explicit).repository()).isEqualTo(Path.of("/models"));
    assertThat(ServingSettings.fromConfig(explicit).device()).isEqualTo("cpu");

    assertThatThrownBy(
            () ->
                ServingSettings.fromConfig(
                    enas.withValue("serving.max-batch", ConfigValueFactory.fromAnyRef(0))))
        .hasMessageContaining("enas.serving.max-batch");
    assertThatThrownBy(
            () ->
                ServingSettings.fromConfig(
                    enas.withValue("serving.device", ConfigValueFactory.fromAnyRef("tpu"))))
        .hasMessageContaining("enas.serving.device");
  }

  @Test
  void aGpuThatIsNotThereFallsBackToTheCpu() throws IOException {
    TestModels.place(folder, "fashion", 1, CLASSIFIER.bytes());
    repository =
        ModelRepository.open(new ServingSettings(folder, Duration.ZERO, 8, "gpu", 1, 1, 4));

    ModelVersion version = repository.model("fashion").orElseThrow().defaultVersion();
    assertThat(version.ready()).isTrue();
    float[] pixels = TestModels.images(1, 5);
    assertThat(run(version, pixels)[1])
        .isCloseTo(CLASSIFIER.probabilities(pixels)[1], within(1e-5f));
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
