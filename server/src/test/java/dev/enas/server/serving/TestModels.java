package dev.enas.server.serving;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.enas.export.ModelMetadata;
import dev.enas.export.RnnOnnxExporter;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import dev.enas.supernet.RnnReference;
import dev.enas.supernet.RnnWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Small ONNX models for the serving tests, built with the ONNX protobuf classes as the exporter
 * builds its models (IR 8, opset 17), and the reference arithmetic to check what ONNX Runtime
 * returns.
 */
public final class TestModels {
  /** The classifier's input: a batch of 1x4x4 grey images. */
  public static final String IMAGE = "image";

  /** The classifier's scores before the softmax. */
  public static final String LOGITS = "logits";

  /** The classifier's class probabilities. */
  public static final String PROBABILITIES = "probabilities";

  /** Elements of one image. */
  public static final int PIXELS = 16;

  private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();

  private TestModels() {}

  /**
   * A linear classifier, image [batch, 1, 4, 4] -> Flatten -> Gemm -> logits [batch, classes] ->
   * Softmax -> probabilities [batch, classes], with seeded weights and the class names in the
   * metadata entry {@code class_labels}.
   */
  public record Classifier(int classes, float[] weights, float[] bias, List<String> labels) {
    /** Builds one with weights drawn from the seed and labels "c0", "c1", .... */
    public static Classifier of(int classes, long seed) {
      Random random = new Random(seed);
      float[] weights = new float[PIXELS * classes];
      float[] bias = new float[classes];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = (float) random.nextGaussian() * 0.5f;
      }
      for (int i = 0; i < classes; i++) {
        bias[i] = (float) random.nextGaussian() * 0.1f;
      }
      List<String> labels = new java.util.ArrayList<>();
      for (int i = 0; i < classes; i++) {
        labels.add("c" + i);
      }
      return new Classifier(classes, weights, bias, List.copyOf(labels));
    }

    /** The serialized ONNX model. */
    public byte[] bytes() {
      GraphProto graph =
          GraphProto.newBuilder()
              .setName("classifier")
              .addInput(tensor(IMAGE, -1, 1, 4, 4))
              .addOutput(tensor(LOGITS, -1, classes))
              .addOutput(tensor(PROBABILITIES, -1, classes))
              .addInitializer(constant("W", weights, PIXELS, classes))
              .addInitializer(constant("B", bias, classes))
              .addNode(node("Flatten", List.of(IMAGE), "flat", intAttribute("axis", 1)))
              .addNode(node("Gemm", List.of("flat", "W", "B"), LOGITS, null))
              .addNode(node("Softmax", List.of(LOGITS), PROBABILITIES, intAttribute("axis", 1)))
              .build();
      String json =
          labels.stream()
              .map(label -> "\"" + label + "\"")
              .collect(Collectors.joining(", ", "[", "]"));
      return model(graph, json);
    }

    /** Logits of a batch of images, computed in double precision. */
    public float[] logits(float[] images) {
      int batch = images.length / PIXELS;
      float[] out = new float[batch * classes];
      for (int n = 0; n < batch; n++) {
        for (int c = 0; c < classes; c++) {
          double sum = bias[c];
          for (int k = 0; k < PIXELS; k++) {
            sum += (double) images[n * PIXELS + k] * weights[k * classes + c];
          }
          out[n * classes + c] = (float) sum;
        }
      }
      return out;
    }

    /** Softmax of {@link #logits} per image. */
    public float[] probabilities(float[] images) {
      float[] logits = logits(images);
      float[] out = new float[logits.length];
      for (int n = 0; n < logits.length / classes; n++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          max = Math.max(max, logits[n * classes + c]);
        }
        double total = 0;
        for (int c = 0; c < classes; c++) {
          total += Math.exp(logits[n * classes + c] - max);
        }
        for (int c = 0; c < classes; c++) {
          out[n * classes + c] = (float) (Math.exp(logits[n * classes + c] - max) / total);
        }
      }
      return out;
    }
  }

  /**
   * One step of a recurrent language model as {@code RnnOnnxExporter} writes it: token_ids INT64
   * [batch] and hidden FP32 [batch, H] in; logits, probabilities and next_hidden out. The words are
   * "w0", "w1", ...; {@link #step} is the reference arithmetic.
   */
  public record LanguageModel(RnnArchitecture cell, RnnWeights weights) {
    /** A model of the given cell encoding with weights drawn from the seed. */
    public static LanguageModel of(String cell, int vocabulary, int hidden, long seed) {
      RnnArchitecture architecture = RnnSpace.parseAnySize(cell);
      return new LanguageModel(
          architecture, randomWeights(architecture, vocabulary, hidden, new Random(seed)));
    }

    public int vocabulary() {
      return weights.vocabulary();
    }

    public int hidden() {
      return weights.hidden();
    }

    /** The serialized ONNX model, with the provenance a search would give it. */
    public byte[] bytes() {
      List<String> words = new ArrayList<>();
      for (int i = 0; i < weights.vocabulary(); i++) {
        words.add("w" + i);
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(ModelMetadata.SEARCH_ID, "test");
      metadata.put(ModelMetadata.SEED, "1");
      metadata.put(ModelMetadata.SPEC, "space=rnn");
      metadata.put(ModelMetadata.DATASET, "random tokens");
      metadata.put(ModelMetadata.TEST_PERPLEXITY, "20.5");
      metadata.put(ModelMetadata.BUILD_VERSION, "test");
      return RnnOnnxExporter.toBytes(RnnOnnxExporter.export(cell, weights, words, metadata));
    }

    /** One step of the reference, in double precision. */
    public RnnReference.Step step(int[] tokens, double[] hidden) {
      return RnnReference.step(cell, weights, tokens, hidden);
    }
  }

  /** A random recurrent cell of {@code nodes} nodes: inputs and activations uniform. */
  public static RnnArchitecture randomCell(int nodes, Random random) {
    StringBuilder text = new StringBuilder("rnn: ").append(random.nextInt(4));
    for (int l = 1; l < nodes; l++) {
      text.append(" | ").append(random.nextInt(l)).append(' ').append(random.nextInt(4));
    }
    return new RnnSpace(nodes).parse(text.toString());
  }

  /**
   * Weights of the cell with pre-activations of order one, so that every activation works away from
   * zero and the gates neither open nor close fully.
   */
  public static RnnWeights randomWeights(
      RnnArchitecture cell, int vocabulary, int hidden, Random random) {
    float[][] nodes = new float[cell.nodes()][];
    for (int l = 1; l < cell.nodes(); l++) {
      nodes[l] = uniform(random, hidden * 2 * hidden, 1.5 / Math.sqrt(hidden));
    }
    return new RnnWeights(
        vocabulary,
        hidden,
        uniform(random, vocabulary * hidden, 1.0),
        uniform(random, vocabulary, 0.5),
        uniform(random, 4 * hidden * hidden, 1.5 / Math.sqrt(2 * hidden)),
        nodes);
  }

  private static float[] uniform(Random random, int size, double bound) {
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      out[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return out;
  }

  /** Two inputs a and b of shape [batch, 4], one output sum = a + b. */
  public static byte[] adder() {
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("adder")
            .addInput(tensor("a", -1, 4))
            .addInput(tensor("b", -1, 4))
            .addOutput(tensor("sum", -1, 4))
            .addNode(node("Add", List.of("a", "b"), "sum", null))
            .build();
    return model(graph, null);
  }

  /** One input x of float64 [batch, 2] passed through to y: an element type enas does not serve. */
  public static byte[] float64Identity() {
    int float64 = TensorProto.DataType.DOUBLE.getNumber();
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("float64")
            .addInput(
                tensor("x", -1, 2).toBuilder()
                    .setType(
                        TypeProto.newBuilder()
                            .setTensorType(
                                TypeProto.Tensor.newBuilder()
                                    .setElemType(float64)
                                    .setShape(
                                        tensor("x", -1, 2).getType().getTensorType().getShape()))))
            .addOutput(
                tensor("y", -1, 2).toBuilder()
                    .setType(
                        TypeProto.newBuilder()
                            .setTensorType(
                                TypeProto.Tensor.newBuilder()
                                    .setElemType(float64)
                                    .setShape(
                                        tensor("y", -1, 2).getType().getTensorType().getShape()))))
            .addNode(node("Identity", List.of("x"), "y", null))
            .build();
    return model(graph, null);
  }

  /** Images with distinct values, for a batch of {@code batch}. */
  public static float[] images(int batch, long seed) {
    Random random = new Random(seed);
    float[] out = new float[batch * PIXELS];
    for (int i = 0; i < out.length; i++) {
      out[i] = random.nextFloat() * 2 - 1;
    }
    return out;
  }

  /** Writes a model file where a person would drop it: {@code <repo>/<model>/<version>/}. */
  public static Path place(Path repository, String model, long version, byte[] bytes)
      throws IOException {
    Path folder =
        Files.createDirectories(repository.resolve(model).resolve(Long.toString(version)));
    return Files.write(folder.resolve(ModelRepository.MODEL_FILE), bytes);
  }

  private static byte[] model(GraphProto graph, String classLabels) {
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(8)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
            .setProducerName("enas-test")
            .setGraph(graph);
    if (classLabels != null) {
      model.addMetadataProps(
          StringStringEntryProto.newBuilder().setKey("class_labels").setValue(classLabels));
    }
    return model.build().toByteArray();
  }

  /** A float tensor's name, type and shape; a negative dimension is the symbolic "batch". */
  private static ValueInfoProto tensor(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long dim : dims) {
      shape.addDim(
          dim < 0
              ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
              : TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)))
        .build();
  }

  private static TensorProto constant(String name, float[] values, long... dims) {
    TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    for (float value : values) {
      tensor.addFloatData(value);
    }
    return tensor.build();
  }

  private static NodeProto node(
      String op, List<String> inputs, String output, AttributeProto attribute) {
    NodeProto.Builder node =
        NodeProto.newBuilder()
            .setOpType(op)
            .setName(op + "_" + output)
            .addAllInput(inputs)
            .addOutput(output);
    if (attribute != null) {
      node.addAttribute(attribute);
    }
    return node.build();
  }

  private static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }
}
