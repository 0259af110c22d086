package dev.enas.export;

import static dev.enas.export.GraphQueries.attribute;
import static dev.enas.export.GraphQueries.floats;
import static dev.enas.export.GraphQueries.initializer;
import static dev.enas.export.GraphQueries.longs;
import static dev.enas.export.GraphQueries.producer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.enas.data.Normalization;
import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import dev.enas.supernet.GraphNode;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StandaloneNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported model's structure, checked without a runtime: the numbers and names a server relies
 * on, one ONNX node pattern per traced operation, weights stored bit for bit, provenance present,
 * and bytes that depend only on the network. That ONNX Runtime computes what DJL computes is the
 * server's test, where ONNX Runtime may be loaded.
 */
class OnnxExporterTest {
  private static final MacroSpace MACRO = new MacroSpace(6);
  private static final MicroSpace MICRO = new MicroSpace(5);
  private static final NetworkSpec MACRO_SPEC = new NetworkSpec(6, 4, 3, 2, 8, 8, 0.25f, true);
  private static final NetworkSpec MICRO_SPEC = new NetworkSpec(1, 4, 3, 2, 8, 8, 0f, true);
  private static final Normalization NORMALIZATION =
      new Normalization(new float[] {0.25f, 0.5f}, new float[] {0.5f, 0.125f});
  private static final List<String> LABELS = List.of("cat", "dog \"the\" \\ one", "bird");

  private static StandaloneNetwork macro;
  private static StandaloneNetwork micro;

  @BeforeAll
  static void build() {
    macro = StandaloneNetwork.create(everyOp(MACRO), MACRO_SPEC, SgdSettings.macroDefaults(), 1);
    micro = StandaloneNetwork.create(everyOp(MICRO), MICRO_SPEC, SgdSettings.microDefaults(), 2);
  }

  @AfterAll
  static void close() {
    macro.close();
    micro.close();
  }

  /** Operations in turn, every input and skip taken: each space's every primitive appears. */
  static Architecture everyOp(SearchSpace space) {
    int[] values = new int[space.decisionWidth()];
    int at = 0;
    int op = 0;
    for (Decision d : space.decisions()) {
      if (d instanceof Decision.Op) {
        values[at++] = op++ % space.numOps();
      } else if (d instanceof Decision.Input in) {
        values[at++] = (op + 1) % in.candidates();
      } else if (d instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          values[at++] = 1;
        }
      }
    }
    return space.fromDecisions(values);
  }

  static Map<String, String> provenance() {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(ModelMetadata.SEARCH_ID, "search-7");
    metadata.put(ModelMetadata.SEED, "42");
    metadata.put(ModelMetadata.SPEC, "space=macro layers=6");
    metadata.put(ModelMetadata.DATASET, "synthetic");
    metadata.put(ModelMetadata.TEST_ACCURACY, "0.875");
    metadata.put(ModelMetadata.BUILD_VERSION, "0.1.0-test");
    return metadata;
  }

  private static ModelProto export(StandaloneNetwork network) {
    return OnnxExporter.export(network, NORMALIZATION, LABELS, provenance());
  }

  @Test
  void declaresIrEightOpsetSeventeenAndTheProducer() {
    ModelProto model = export(macro);
    assertThat(model.getIrVersion()).isEqualTo(8);
    assertThat(model.getOpsetImportList()).hasSize(1);
    assertThat(model.getOpsetImport(0).getDomain()).isEmpty();
    assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(17);
    assertThat(model.getProducerName()).isEqualTo("enas");
    assertThat(model.getProducerVersion()).isEqualTo("0.1.0-test");
  }

  @Test
  void takesABatchOfImagesAndReturnsLogitsAndProbabilities() {
    GraphProto graph = export(macro).getGraph();
    assertThat(graph.getInputList()).extracting(ValueInfoProto::getName).containsExactly("input");
    assertThat(graph.getOutputList())
        .extracting(ValueInfoProto::getName)
        .containsExactly("logits", "probabilities");
    assertShape(graph.getInput(0), 2, 8, 8);
    assertShape(graph.getOutput(0), 3);
    assertShape(graph.getOutput(1), 3);
    NodeProto softmax = producer(graph, "probabilities");
    assertThat(softmax.getOpType()).isEqualTo("Softmax");
    assertThat(softmax.getInputList()).containsExactly("logits");
    assertThat(intAttribute(softmax, "axis")).isEqualTo(1);
  }

  @Test
  void normalisesTheInputInsideTheGraph() {
    GraphProto graph = export(macro).getGraph();
    NodeProto sub = graph.getNode(0);
    NodeProto div = graph.getNode(1);
    assertThat(sub.getOpType()).isEqualTo("Sub");
    assertThat(sub.getInput(0)).isEqualTo("input");
    assertThat(div.getOpType()).isEqualTo("Div");
    assertThat(div.getInput(0)).isEqualTo(sub.getOutput(0));
    TensorProto mean = initializer(graph, sub.getInput(1));
    TensorProto std = initializer(graph, div.getInput(1));
    assertThat(mean.getDimsList()).containsExactly(1L, 2L, 1L, 1L);
    assertThat(floats(mean)).containsExactly(0.25f, 0.5f);
    assertThat(floats(std)).containsExactly(0.5f, 0.125f);
    assertThat(producer(graph, "logits")).isNotNull();
  }

  @Test
  void mapsEveryTracedOperationToItsOnnxPattern() {
    for (StandaloneNetwork network : List.of(macro, micro)) {
      List<GraphNode> trace = network.graph();
      GraphProto graph = export(network).getGraph();
      Map<String, Long> traced =
          trace.stream().collect(Collectors.groupingBy(GraphNode::op, Collectors.counting()));
      Map<String, Long> onnx =
          graph.getNodeList().stream()
              .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
      long multiBlockConvs =
          trace.stream()
              .filter(n -> n.op().equals("conv"))
              .filter(n -> n.parameters().size() > 1)
              .count();
      assertThat(onnx.get("Conv")).isEqualTo(traced.get("conv"));
      assertThat(onnx.get("BatchNormalization")).isEqualTo(traced.get("batch_norm"));
      assertThat(onnx.get("Relu")).isEqualTo(traced.get("relu"));
      assertThat(onnx.get("MaxPool")).isEqualTo(traced.get("max_pool"));
      assertThat(onnx.get("AveragePool")).isEqualTo(traced.get("avg_pool"));
      assertThat(onnx.get("Sum")).isEqualTo(traced.get("sum"));
      assertThat(onnx.getOrDefault("Concat", 0L))
          .isEqualTo(traced.getOrDefault("concat", 0L) + multiBlockConvs);
      assertThat(onnx.get("Slice")).isEqualTo(traced.get("shift")).isPositive();
      assertThat(onnx.get("Pad")).isEqualTo(traced.get("shift"));
      assertThat(onnx.get("GlobalAveragePool")).isEqualTo(1L);
      assertThat(onnx.get("Flatten")).isEqualTo(1L);
      assertThat(onnx.get("Gemm")).isEqualTo(1L);
      assertThat(onnx).doesNotContainKeys("Dropout", "Identity");
      assertThat(onnx.keySet())
          .containsOnly(
              "Sub",
              "Div",
              "Conv",
              "BatchNormalization",
              "Relu",
              "MaxPool",
              "AveragePool",
              "Sum",
              "Concat",
              "Slice",
              "Pad",
              "GlobalAveragePool",
              "Flatten",
              "Gemm",
              "Softmax");
    }
    assertThat(macro.graph()).extracting(GraphNode::op).contains("dropout");
    assertThat(micro.graph()).anyMatch(n -> n.op().equals("conv") && n.parameters().size() > 1);
  }

  @Test
  void setsTheAttributesThatMakeEachMappingExact() {
    GraphProto graph = export(micro).getGraph();
    for (NodeProto node : graph.getNodeList()) {
      switch (node.getOpType()) {
        case "AveragePool" -> {
          // DJL's binding computes PyTorch's default (padding counted); see GraphTranslator.
          assertThat(intAttribute(node, "count_include_pad")).isEqualTo(1);
          assertThat(ints(node, "pads")).containsExactly(1L, 1L, 1L, 1L);
          assertThat(ints(node, "kernel_shape")).containsExactly(3L, 3L);
        }
        case "BatchNormalization" -> {
          assertThat(node.getInputCount()).isEqualTo(5);
          assertThat(attribute(node, "epsilon").getF()).isEqualTo(1e-5f);
          assertThat(node.getOutputCount()).isEqualTo(1);
        }
        case "Gemm" -> assertThat(intAttribute(node, "transB")).isEqualTo(1);
        case "Concat" -> assertThat(intAttribute(node, "axis")).isEqualTo(1);
        case "Pad" ->
            assertThat(longs(initializer(graph, node.getInput(1))))
                .containsExactly(0L, 0L, 0L, 0L, 0L, 0L, 1L, 1L);
        case "Slice" -> {
          assertThat(longs(initializer(graph, node.getInput(1)))).containsExactly(1L, 1L);
          assertThat(longs(initializer(graph, node.getInput(3)))).containsExactly(2L, 3L);
        }
        default -> {}
      }
    }
    assertThat(graph.getNodeList())
        .filteredOn(n -> n.getOpType().equals("Conv"))
        .anyMatch(n -> intAttribute(n, "group") > 1);
  }

  @Test
  void everyNodeReadsOnlyWhatIsDefinedBeforeIt() {
    for (StandaloneNetwork network : List.of(macro, micro)) {
      GraphProto graph = export(network).getGraph();
      Set<String> defined = new HashSet<>();
      graph.getInitializerList().forEach(t -> defined.add(t.getName()));
      defined.add("input");
      for (NodeProto node : graph.getNodeList()) {
        assertThat(defined).as("inputs of %s", node.getName()).containsAll(node.getInputList());
        for (String out : node.getOutputList()) {
          assertThat(defined.add(out)).as("%s defined once", out).isTrue();
        }
      }
      assertThat(defined).contains("logits", "probabilities");
    }
  }

  @Test
  void storesEveryParameterItReadsBitForBit() {
    GraphProto graph = export(micro).getGraph();
    Set<String> read = new HashSet<>();
    micro.graph().forEach(n -> read.addAll(n.parameters()));
    Map<String, TensorProto> stored = new HashMap<>();
    graph.getInitializerList().forEach(t -> stored.put(t.getName(), t));
    for (String name : read) {
      TensorProto tensor = stored.get(name);
      assertThat(tensor).as(name).isNotNull();
      assertThat(tensor.getDataType()).isEqualTo(TensorProto.DataType.FLOAT.getNumber());
      assertThat(tensor.getDimsList())
          .containsExactlyElementsOf(
              java.util.Arrays.stream(micro.parameterShapes().get(name)).boxed().toList());
      assertThat(floats(tensor)).as(name).containsExactly(micro.parameter(name));
    }
    assertThat(stored.keySet()).allMatch(n -> read.contains(n) || n.startsWith("export."));
  }

  @Test
  void carriesItsProvenanceInMetadata() {
    Map<String, String> props = new TreeMap<>();
    for (StringStringEntryProto e : export(macro).getMetadataPropsList()) {
      assertThat(props.put(e.getKey(), e.getValue())).as("key %s once", e.getKey()).isNull();
    }
    assertThat(props.keySet())
        .containsAll(ModelMetadata.REQUIRED)
        .containsAll(ModelMetadata.DERIVED);
    assertThat(props)
        .containsEntry(ModelMetadata.ARCHITECTURE, macro.architecture().encode())
        .containsEntry(ModelMetadata.SEARCH_ID, "search-7")
        .containsEntry(ModelMetadata.SEED, "42")
        .containsEntry(ModelMetadata.TEST_ACCURACY, "0.875")
        .containsEntry(ModelMetadata.IR_VERSION, "8")
        .containsEntry(ModelMetadata.OPSET_VERSION, "17")
        .containsEntry(ModelMetadata.PRODUCER_NAME, "enas")
        .containsEntry(ModelMetadata.MODEL_KIND, "image_classifier")
        .containsEntry(
            ModelMetadata.CLASS_LABELS, "[\"cat\",\"dog \\\"the\\\" \\\\ one\",\"bird\"]")
        .containsEntry(ModelMetadata.NORMALIZATION, "{\"mean\":[0.25,0.5],\"std\":[0.5,0.125]}");
    assertThat(MACRO.parse(props.get(ModelMetadata.ARCHITECTURE))).isEqualTo(macro.architecture());
  }

  @Test
  void rejectsAnOperationItCannotMap() {
    GraphProto.Builder graph = GraphProto.newBuilder();
    GraphTranslator translator = new GraphTranslator(graph, Map.of(), name -> new float[0]);
    List<GraphNode> nodes =
        List.of(
            new GraphNode("v0", "relu", List.of("image"), List.of(), Map.of()),
            new GraphNode("v1", "gelu", List.of("v0"), List.of(), Map.of()));
    assertThatThrownBy(() -> translator.translate(nodes, "x", "y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v1")
        .hasMessageContaining("unknown operation 'gelu'")
        .hasMessageContaining("conv");
  }

  @Test
  void rejectsAnAttributeItWouldDrop() {
    GraphTranslator translator =
        new GraphTranslator(GraphProto.newBuilder(), Map.of(), name -> new float[0]);
    List<GraphNode> nodes =
        List.of(new GraphNode("v0", "max_pool", List.of("image"), List.of(), Map.of("kernel", 5)));
    assertThatThrownBy(() -> translator.translate(nodes, "x", "y"))
        .hasMessageContaining("attribute 'kernel'");
  }

  @Test
  void rejectsAReadOfAValueNoNodeProduced() {
    Function<String, float[]> none = name -> new float[0];
    GraphTranslator translator = new GraphTranslator(GraphProto.newBuilder(), Map.of(), none);
    List<GraphNode> nodes =
        List.of(new GraphNode("v0", "relu", List.of("v7"), List.of(), Map.of()));
    assertThatThrownBy(() -> translator.translate(nodes, "x", "y"))
        .hasMessageContaining("reads v7");
  }

  @Test
  void rejectsIncompleteOrConflictingMetadata() {
    Map<String, String> missing = provenance();
    missing.remove(ModelMetadata.BUILD_VERSION);
    assertThatThrownBy(() -> OnnxExporter.export(macro, NORMALIZATION, LABELS, missing))
        .hasMessageContaining("build_version");
    Map<String, String> derived = provenance();
    derived.put(ModelMetadata.ARCHITECTURE, "macro: 0");
    assertThatThrownBy(() -> OnnxExporter.export(macro, NORMALIZATION, LABELS, derived))
        .hasMessageContaining("architecture");
    Map<String, String> accuracy = provenance();
    accuracy.put(ModelMetadata.TEST_ACCURACY, "87%");
    assertThatThrownBy(() -> OnnxExporter.export(macro, NORMALIZATION, LABELS, accuracy))
        .hasMessageContaining("test_accuracy");
    assertThatThrownBy(
            () -> OnnxExporter.export(macro, NORMALIZATION, List.of("a", "b"), provenance()))
        .hasMessageContaining("2 class labels");
    assertThatThrownBy(
            () -> OnnxExporter.export(macro, Normalization.unit(3), LABELS, provenance()))
        .hasMessageContaining("3 channels");
  }

  @Test
  void theSameNetworkAlwaysGivesTheSameBytes(@TempDir Path dir) throws Exception {
    byte[] first = OnnxExporter.toBytes(export(micro));
    assertThat(OnnxExporter.toBytes(export(micro))).isEqualTo(first);
    try (StandaloneNetwork twin =
        StandaloneNetwork.create(everyOp(MICRO), MICRO_SPEC, SgdSettings.microDefaults(), 2)) {
      assertThat(OnnxExporter.toBytes(export(twin))).isEqualTo(first);
    }
    // A different seed must change the bytes, or the comparison above proves nothing.
    try (StandaloneNetwork other =
        StandaloneNetwork.create(everyOp(MICRO), MICRO_SPEC, SgdSettings.microDefaults(), 3)) {
      assertThat(OnnxExporter.toBytes(export(other))).isNotEqualTo(first);
    }
    Path file = dir.resolve("models").resolve("child.onnx");
    OnnxExporter.write(export(micro), file);
    assertThat(Files.readAllBytes(file)).isEqualTo(first);
    assertThat(ModelProto.parseFrom(Files.readAllBytes(file))).isEqualTo(export(micro));
    try (var listing = Files.list(file.getParent())) {
      assertThat(listing).containsExactly(file.toAbsolutePath());
    }
  }

  /**
   * The reference ONNX checker (Debian's python3-onnx, ONNX 1.12) accepts the exported models of
   * both spaces, every operation in them, with full shape inference: the IR 8 / opset 17 contract
   * holds for other tools too.
   */
  @Test
  void theOnnxCheckerAcceptsExportedModelsOfBothSpaces(@TempDir Path dir) throws Exception {
    OnnxChecker.requireAvailable("OnnxExporterTest's ONNX checker test");
    for (StandaloneNetwork network : List.of(macro, micro)) {
      String kind = network == macro ? "macro" : "micro";
      Path file = dir.resolve(kind + ".onnx");
      OnnxExporter.write(export(network), file);
      assertThat(OnnxChecker.check(file, kind)).isEqualTo("8 17");
    }
  }

  private static void assertShape(ValueInfoProto info, long... dims) {
    GraphQueries.assertShape(info, TensorProto.DataType.FLOAT, dims);
  }

  private static long intAttribute(NodeProto node, String name) {
    return attribute(node, name).getI();
  }

  private static List<Long> ints(NodeProto node, String name) {
    return attribute(node, name).getIntsList();
  }
}
