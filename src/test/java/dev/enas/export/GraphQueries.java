package dev.enas.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Lookups and checks on an exported graph that the exporters' tests share. */
final class GraphQueries {
  private GraphQueries() {}

  /** The value has the element type, the symbolic batch dimension first, then {@code dims}. */
  static void assertShape(ValueInfoProto info, TensorProto.DataType type, long... dims) {
    assertThat(info.getType().getTensorType().getElemType()).isEqualTo(type.getNumber());
    List<TensorShapeProto.Dimension> shape = info.getType().getTensorType().getShape().getDimList();
    assertThat(shape).hasSize(dims.length + 1);
    assertThat(shape.get(0).getDimParam()).isEqualTo(OnnxExporter.BATCH);
    assertThat(shape.get(0).hasDimValue()).isFalse();
    for (int i = 0; i < dims.length; i++) {
      assertThat(shape.get(i + 1).getDimValue()).isEqualTo(dims[i]);
    }
  }

  static NodeProto producer(GraphProto graph, String value) {
    return graph.getNodeList().stream()
        .filter(n -> n.getOutputList().contains(value))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node produces " + value));
  }

  static TensorProto initializer(GraphProto graph, String name) {
    return graph.getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  static AttributeProto attribute(NodeProto node, String name) {
    return node.getAttributeList().stream()
        .filter(a -> a.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(node.getName() + " has no attribute " + name));
  }

  static float[] floats(TensorProto tensor) {
    ByteBuffer bytes = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / Float.BYTES];
    bytes.asFloatBuffer().get(values);
    return values;
  }

  static long[] longs(TensorProto tensor) {
    ByteBuffer bytes = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    long[] values = new long[bytes.remaining() / Long.BYTES];
    bytes.asLongBuffer().get(values);
    return values;
  }
}
