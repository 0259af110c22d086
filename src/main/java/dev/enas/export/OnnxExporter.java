package dev.enas.export;

import static ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT;
import static dev.enas.export.GraphTranslator.intAttribute;
import static dev.enas.export.GraphTranslator.node;
import static dev.enas.export.ModelEnvelope.batchTensor;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import dev.enas.data.Normalization;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.StandaloneNetwork;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes a trained {@link StandaloneNetwork} as a self-contained ONNX model (IR 8, opset 17) that
 * takes pixels scaled to [0, 1], normalises them inside the graph and returns logits and softmax
 * probabilities for a batch of any size, with its provenance in the metadata.
 */
public final class OnnxExporter {
  /** ONNX 1.12-era tools reject IR 9 and later (DESIGN, trap 5). */
  public static final long IR_VERSION = 8;

  /** Older runtimes reject newer opsets (DESIGN, trap 5). */
  public static final long OPSET_VERSION = 17;

  public static final String PRODUCER_NAME = "enas";

  /** Input: float32 (batch, C, H, W), pixels scaled to [0, 1]. */
  public static final String INPUT = "input";

  /** Output: float32 (batch, classes), the network's logits. */
  public static final String LOGITS = "logits";

  /** Output: float32 (batch, classes), softmax of the logits over classes. */
  public static final String PROBABILITIES = "probabilities";

  /** The symbolic name of the batch dimension of every input and output. */
  public static final String BATCH = "batch";

  private static final String MEAN = "export.normalization.mean";
  private static final String STD = "export.normalization.std";
  private static final String CENTERED = "export.centered";
  private static final String NORMALIZED = "export.normalized";

  private OnnxExporter() {}

  /**
   * The model of {@code network} in evaluation mode: batch norm with running statistics, no
   * dropout. Reads the network's current weights; the network stays open and unchanged.
   *
   * @param normalization the per-channel mean and std the network was trained with, applied to the
   *     [0, 1] input inside the graph
   * @param classLabels one label per logit, in order
   * @param metadata provenance: every key of {@link ModelMetadata#REQUIRED}, and any extra keys;
   *     the keys of {@link ModelMetadata#DERIVED} are written from the network itself
   * @throws IllegalArgumentException if the arguments do not fit the network, the metadata is
   *     incomplete, or the graph holds an operation the exporter cannot map
   */
  public static ModelProto export(
      StandaloneNetwork network,
      Normalization normalization,
      List<String> classLabels,
      Map<String, String> metadata) {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(classLabels, "classLabels");
    Objects.requireNonNull(metadata, "metadata");
    NetworkSpec spec = network.spec();
    if (normalization.channels() != spec.inputChannels()) {
      throw new IllegalArgumentException(
          "the normalisation has "
              + normalization.channels()
              + " channels, the network takes "
              + spec.inputChannels());
    }
    if (classLabels.size() != spec.classes()) {
      throw new IllegalArgumentException(
          classLabels.size() + " class labels for a network of " + spec.classes() + " classes");
    }
    ModelMetadata.check(metadata, ModelMetadata.Kind.IMAGE_CLASSIFIER);

    GraphProto.Builder graph =
        GraphProto.newBuilder()
            .setName("enas_" + network.architecture().space().kind())
            .setDocString("ENAS child network " + network.architecture().encode());
    GraphTranslator translator =
        new GraphTranslator(graph, network.parameterShapes(), network::parameter);
    translator.reserve(INPUT);
    translator.reserve(LOGITS);
    translator.reserve(PROBABILITIES);
    translator.reserve(CENTERED);
    translator.reserve(NORMALIZED);

    long[] perChannel = {1, spec.inputChannels(), 1, 1};
    translator.constant(MEAN, perChannel, normalization.mean());
    translator.constant(STD, perChannel, normalization.std());
    graph.addNode(node("Sub", CENTERED, List.of(INPUT, MEAN), CENTERED));
    graph.addNode(node("Div", NORMALIZED, List.of(CENTERED, STD), NORMALIZED));

    translator.translate(network.graph(), NORMALIZED, LOGITS);

    graph.addNode(
        node("Softmax", PROBABILITIES, List.of(LOGITS), PROBABILITIES)
            .addAttribute(intAttribute("axis", 1)));

    graph.addInput(
        batchTensor(
            INPUT,
            FLOAT,
            "pixels scaled to [0, 1], N x C x H x W; the normalisation is part of the graph",
            spec.inputChannels(),
            spec.height(),
            spec.width()));
    graph.addOutput(batchTensor(LOGITS, FLOAT, "logits, N x classes", spec.classes()));
    graph.addOutput(
        batchTensor(PROBABILITIES, FLOAT, "softmax of the logits over classes", spec.classes()));

    Map<String, String> derived = new TreeMap<>();
    derived.put(ModelMetadata.ARCHITECTURE, network.architecture().encode());
    derived.put(ModelMetadata.SEARCH_SPACE, network.architecture().space().describe());
    derived.put(ModelMetadata.NETWORK_SPEC, spec.toString());
    derived.put(ModelMetadata.CLASS_LABELS, ModelMetadata.jsonStrings(classLabels));
    derived.put(
        ModelMetadata.NORMALIZATION,
        ModelMetadata.jsonNormalization(normalization.mean(), normalization.std()));
    return ModelEnvelope.model(
        graph, "ENAS child network", metadata, ModelMetadata.Kind.IMAGE_CLASSIFIER, derived);
  }

  /** The model's serialised bytes, as an ONNX file holds them. */
  public static byte[] toBytes(ModelProto model) {
    return model.toByteArray();
  }

  /**
   * Writes the model to {@code file}, replacing it. The bytes go to a temporary file beside it that
   * is then moved into place, so a reader never sees a half-written model.
   */
  public static void write(ModelProto model, Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, target.getFileName().toString(), ".partial");
    try {
      Files.write(temp, toBytes(model));
      try {
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
