package dev.enas.export;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.enas.supernet.GraphNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the primitive operations of a traced forward pass into ONNX nodes and initializers, one
 * graph at a time. Every mapping is exact in inference mode: nothing is fused or approximated, so
 * ONNX Runtime and DJL differ only by floating-point rounding.
 */
final class GraphTranslator {
  /** The trace's name for the network input (see {@link GraphNode}). */
  static final String TRACE_IMAGE = "image";

  /** Exporter-made tensors live under this prefix, apart from the network's parameter names. */
  private static final String OWN = "export.";

  private static final String SHIFT_STARTS = OWN + "shift.starts";
  private static final String SHIFT_ENDS = OWN + "shift.ends";
  private static final String SHIFT_AXES = OWN + "shift.axes";
  private static final String SHIFT_PADS = OWN + "shift.pads";

  private static final List<String> KNOWN_OPS =
      List.of(
          "conv",
          "batch_norm",
          "relu",
          "max_pool",
          "avg_pool",
          "sum",
          "concat",
          "shift",
          "global_avg_pool",
          "dropout",
          "linear");

  private final OnnxMl.GraphProto.Builder graph;
  private final Map<String, long[]> shapes;
  private final Function<String, float[]> values;

  /** Every value and initializer name in the graph, so no two ever collide. */
  private final Set<String> taken = new HashSet<>();

  /** Trace value name to ONNX value name; dropout aliases its output to its input. */
  private final Map<String, String> names = new HashMap<>();

  /** Parameters already added as initializers: a parameter read twice is stored once. */
  private final Set<String> initialized = new HashSet<>();

  /**
   * @param graph receives nodes and initializers
   * @param shapes every parameter's shape by name
   * @param values a parameter's float values, row-major, by name
   */
  GraphTranslator(
      OnnxMl.GraphProto.Builder graph,
      Map<String, long[]> shapes,
      Function<String, float[]> values) {
    this.graph = graph;
    this.shapes = shapes;
    this.values = values;
  }

  /** Reserves a name made outside this class (graph inputs and outputs). */
  void reserve(String name) {
    claim(name);
  }

  /** Adds a float constant that is not a network parameter, such as the normalisation. */
  void constant(String name, long[] dims, float[] data) {
    claim(name);
    graph.addInitializer(floatTensor(name, dims, data));
  }

  /**
   * Emits the traced nodes. The trace's {@code image} is read from {@code input}, and the value the
   * last node produces is written to {@code output}.
   */
  void translate(List<GraphNode> nodes, String input, String output) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("the network's graph has no operations");
    }
    names.put(TRACE_IMAGE, input);
    for (int i = 0; i < nodes.size(); i++) {
      GraphNode node = nodes.get(i);
      boolean last = i == nodes.size() - 1;
      if (names.containsKey(node.output())) {
        throw new IllegalArgumentException(
            "node " + node.output() + " (" + node.op() + ") redefines an earlier value");
      }
      // Dropout is the identity at inference, so it emits no node; only the output needs one.
      if (node.op().equals("dropout")) {
        checkArity(node, 1, 1, 0, 0, Set.of("rate"), Set.of());
        String from = resolve(node, node.inputs().get(0));
        if (last) {
          graph.addNode(node("Identity", output, List.of(from), output));
          names.put(node.output(), output);
        } else {
          names.put(node.output(), from);
        }
        continue;
      }
      String target = last ? output : claim(node.output());
      emit(node, target);
      names.put(node.output(), target);
    }
  }

  private void emit(GraphNode node, String out) {
    List<String> in = new ArrayList<>();
    for (String name : node.inputs()) {
      in.add(resolve(node, name));
    }
    switch (node.op()) {
      case "conv" -> conv(node, in, out);
      case "batch_norm" -> {
        checkArity(node, 1, 1, 4, 4, Set.of("epsilon"), Set.of("epsilon"));
        List<String> inputs = new ArrayList<>(in);
        for (String p : node.parameters()) {
          inputs.add(parameter(node, p));
        }
        float epsilon = node.attributes().get("epsilon").floatValue();
        graph.addNode(
            node("BatchNormalization", out, inputs, out)
                .addAttribute(floatAttribute("epsilon", epsilon)));
      }
      case "relu" -> {
        checkArity(node, 1, 1, 0, 0, Set.of(), Set.of());
        graph.addNode(node("Relu", out, in, out));
      }
      case "max_pool" -> {
        checkArity(node, 1, 1, 0, 0, Set.of(), Set.of());
        graph.addNode(pool("MaxPool", in.get(0), out));
      }
      case "avg_pool" -> {
        checkArity(node, 1, 1, 0, 0, Set.of(), Set.of());
        // What the trained network computes, not what GraphNode's Javadoc says: DJL 0.36's
        // PyTorch binding drops its countIncludePad argument, so PyTorch's default applies and
        // every window divides by 9, zero padding included. ExportVerifierTest measures it.
        graph.addNode(
            pool("AveragePool", in.get(0), out).addAttribute(intAttribute("count_include_pad", 1)));
      }
      case "sum" -> {
        checkArity(node, 1, Integer.MAX_VALUE, 0, 0, Set.of(), Set.of());
        graph.addNode(node("Sum", out, in, out));
      }
      case "concat" -> {
        checkArity(node, 1, Integer.MAX_VALUE, 0, 0, Set.of(), Set.of());
        graph.addNode(node("Concat", out, in, out).addAttribute(intAttribute("axis", 1)));
      }
      case "shift" -> {
        checkArity(node, 1, 1, 0, 0, Set.of(), Set.of());
        shift(in.get(0), out);
      }
      case "global_avg_pool" -> {
        checkArity(node, 1, 1, 0, 0, Set.of(), Set.of());
        String pooled = claim(out + ".pooled");
        graph.addNode(node("GlobalAveragePool", pooled, in, pooled));
        // GlobalAveragePool keeps 1x1 spatial dimensions; the trace's value is (N, C).
        graph.addNode(
            node("Flatten", out, List.of(pooled), out).addAttribute(intAttribute("axis", 1)));
      }
      case "linear" -> {
        checkArity(node, 1, 1, 2, 2, Set.of(), Set.of());
        String weight = parameter(node, node.parameters().get(0));
        String bias = parameter(node, node.parameters().get(1));
        // x W^T + b, with W stored (out, in) as DJL and PyTorch keep it.
        graph.addNode(
            node("Gemm", out, List.of(in.get(0), weight, bias), out)
                .addAttribute(intAttribute("transB", 1)));
      }
      default ->
          throw new IllegalArgumentException(
              "cannot export node "
                  + node.output()
                  + ": unknown operation '"
                  + node.op()
                  + "'; the exporter maps "
                  + KNOWN_OPS);
    }
  }

  private void conv(GraphNode node, List<String> in, String out) {
    checkArity(
        node,
        1,
        1,
        1,
        Integer.MAX_VALUE,
        Set.of("stride", "padding", "groups"),
        Set.of("stride", "padding", "groups"));
    int stride = node.attributes().get("stride").intValue();
    int padding = node.attributes().get("padding").intValue();
    int groups = node.attributes().get("groups").intValue();
    List<String> blocks = new ArrayList<>();
    long[] first = null;
    for (String p : node.parameters()) {
      long[] shape = shapeOf(node, p);
      if (shape.length != 4) {
        throw new IllegalArgumentException(
            "conv "
                + node.output()
                + ": weight "
                + p
                + " has shape "
                + Arrays.toString(shape)
                + ", expected (out, in / groups, kh, kw)");
      }
      if (first == null) {
        first = shape;
      } else if (shape[0] != first[0] || shape[2] != first[2] || shape[3] != first[3]) {
        throw new IllegalArgumentException(
            "conv "
                + node.output()
                + ": weight blocks differ beyond input channels: "
                + Arrays.toString(first)
                + " and "
                + Arrays.toString(shape));
      }
      blocks.add(parameter(node, p));
    }
    String weight = blocks.get(0);
    if (blocks.size() > 1) {
      // The trace's convention: one convolution whose weight is its blocks joined along input
      // channels. Joining them in the graph keeps one initializer per stored parameter.
      weight = claim(out + ".weight");
      graph.addNode(node("Concat", weight, blocks, weight).addAttribute(intAttribute("axis", 1)));
    }
    graph.addNode(
        node("Conv", out, List.of(in.get(0), weight), out)
            .addAttribute(intsAttribute("kernel_shape", first[2], first[3]))
            .addAttribute(intsAttribute("strides", stride, stride))
            .addAttribute(intsAttribute("pads", padding, padding, padding, padding))
            .addAttribute(intsAttribute("dilations", 1, 1))
            .addAttribute(intAttribute("group", groups)));
  }

  /** 3x3, stride 1, padding 1: the trace's only pooling (see {@link GraphNode}). */
  private static NodeProto.Builder pool(String op, String x, String out) {
    return node(op, out, List.of(x), out)
        .addAttribute(intsAttribute("kernel_shape", 3, 3))
        .addAttribute(intsAttribute("strides", 1, 1))
        .addAttribute(intsAttribute("pads", 1, 1, 1, 1));
  }

  /**
   * Up and left by one pixel, zero-filled: drop the first row and column, then pad one zero row and
   * column at the end, which is exactly what DJL's slice-and-pad computes.
   */
  private void shift(String x, String out) {
    if (!taken.contains(SHIFT_STARTS)) {
      int64Constant(SHIFT_STARTS, 1, 1);
      // INT64_MAX is ONNX's "to the end" for Slice, whatever the dimension's size.
      int64Constant(SHIFT_ENDS, Long.MAX_VALUE, Long.MAX_VALUE);
      int64Constant(SHIFT_AXES, 2, 3);
      // Pad-13: all begins (N, C, H, W), then all ends.
      int64Constant(SHIFT_PADS, 0, 0, 0, 0, 0, 0, 1, 1);
    }
    String sliced = claim(out + ".sliced");
    graph.addNode(node("Slice", sliced, List.of(x, SHIFT_STARTS, SHIFT_ENDS, SHIFT_AXES), sliced));
    graph.addNode(node("Pad", out, List.of(sliced, SHIFT_PADS), out));
  }

  private String resolve(GraphNode node, String traceName) {
    String name = names.get(traceName);
    if (name == null) {
      throw new IllegalArgumentException(
          "node "
              + node.output()
              + " ("
              + node.op()
              + ") reads "
              + traceName
              + ", which no earlier node produces");
    }
    return name;
  }

  /** The parameter as an initializer, added on first use. */
  private String parameter(GraphNode node, String name) {
    if (!initialized.contains(name)) {
      long[] shape = shapeOf(node, name);
      float[] data = values.apply(name);
      long size = 1;
      for (long d : shape) {
        size *= d;
      }
      if (data.length != size) {
        throw new IllegalArgumentException(
            "parameter "
                + name
                + " has "
                + data.length
                + " values for shape "
                + Arrays.toString(shape));
      }
      claim(name);
      graph.addInitializer(floatTensor(name, shape, data));
      initialized.add(name);
    }
    return name;
  }

  private long[] shapeOf(GraphNode node, String name) {
    long[] shape = shapes.get(name);
    if (shape == null) {
      throw new IllegalArgumentException(
          "node "
              + node.output()
              + " ("
              + node.op()
              + ") reads parameter "
              + name
              + ", which the network does not hold");
    }
    return shape;
  }

  private static void checkArity(
      GraphNode node,
      int minInputs,
      int maxInputs,
      int minParams,
      int maxParams,
      Set<String> allowed,
      Set<String> required) {
    int inputs = node.inputs().size();
    int params = node.parameters().size();
    if (inputs < minInputs || inputs > maxInputs || params < minParams || params > maxParams) {
      throw new IllegalArgumentException(
          "node "
              + node.output()
              + " ("
              + node.op()
              + ") has "
              + inputs
              + " inputs and "
              + params
              + " parameters, which the exporter does not expect of that operation");
    }
    // An attribute the mapping does not read would be silently dropped, changing the function.
    for (String key : node.attributes().keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "node "
                + node.output()
                + " ("
                + node.op()
                + ") has attribute '"
                + key
                + "', which the exporter does not know how to map");
      }
    }
    for (String key : required) {
      if (!node.attributes().containsKey(key)) {
        throw new IllegalArgumentException(
            "node " + node.output() + " (" + node.op() + ") lacks attribute '" + key + "'");
      }
    }
  }

  private String claim(String name) {
    if (!taken.add(name)) {
      throw new IllegalArgumentException(
          "the ONNX name '" + name + "' would be used twice; a parameter or value name clashes");
    }
    return name;
  }

  private void int64Constant(String name, long... data) {
    claim(name);
    graph.addInitializer(int64Tensor(name, data));
  }

  /** A one-dimensional int64 tensor, such as the shape-like operands of Slice, Pad and Split. */
  static TensorProto int64Tensor(String name, long... data) {
    ByteBuffer bytes = ByteBuffer.allocate(data.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(data);
    return TensorProto.newBuilder()
        .setName(name)
        .addDims(data.length)
        .setDataType(TensorProto.DataType.INT64.getNumber())
        .setRawData(ByteString.copyFrom(bytes.array()))
        .build();
  }

  static TensorProto floatTensor(String name, long[] dims, float[] data) {
    ByteBuffer bytes =
        ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    TensorProto.Builder tensor =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(bytes.array()));
    for (long d : dims) {
      tensor.addDims(d);
    }
    return tensor.build();
  }

  static NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
    return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
  }

  static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static AttributeProto intsAttribute(String name, long... values) {
    AttributeProto.Builder attribute =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      attribute.addInts(v);
    }
    return attribute.build();
  }

  private static AttributeProto floatAttribute(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }
}
