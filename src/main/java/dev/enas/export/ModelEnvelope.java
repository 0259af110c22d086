package dev.enas.export;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.Map;
import java.util.TreeMap;

/**
 * What both exporters write around their graphs, once: the signature of a tensor with the symbolic
 * batch dimension, and the model header (IR version, opset, producer) with the provenance and the
 * derived metadata.
 */
final class ModelEnvelope {
  private ModelEnvelope() {}

  /** A tensor of shape (batch, dims...) whose first dimension is the symbolic batch. */
  static ValueInfoProto batchTensor(
      String name, OnnxMl.TensorProto.DataType type, String doc, long... dims) {
    TensorShapeProto.Builder shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(OnnxExporter.BATCH));
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setDocString(doc)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }

  /**
   * The model of {@code graph}: IR {@link OnnxExporter#IR_VERSION}, opset {@link
   * OnnxExporter#OPSET_VERSION}, producer {@code enas} at the build version, and as metadata the
   * caller's (already checked) provenance, the exporter's {@code derived} keys and the keys every
   * model carries (versions, producer, kind).
   *
   * @param what the start of the model's doc string, such as "ENAS child network"
   */
  static ModelProto model(
      GraphProto.Builder graph,
      String what,
      Map<String, String> metadata,
      ModelMetadata.Kind kind,
      Map<String, String> derived) {
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(OnnxExporter.IR_VERSION)
            .addOpsetImport(
                OnnxMl.OperatorSetIdProto.newBuilder()
                    .setDomain("")
                    .setVersion(OnnxExporter.OPSET_VERSION))
            .setProducerName(OnnxExporter.PRODUCER_NAME)
            .setProducerVersion(metadata.get(ModelMetadata.BUILD_VERSION))
            .setDomain("dev.enas")
            .setDocString(
                what
                    + " found by search "
                    + metadata.get(ModelMetadata.SEARCH_ID)
                    + " on "
                    + metadata.get(ModelMetadata.DATASET))
            .setGraph(graph);
    // Sorted, so the same network and metadata always serialise to the same bytes.
    Map<String, String> props = new TreeMap<>(metadata);
    props.putAll(derived);
    props.put(ModelMetadata.IR_VERSION, Long.toString(OnnxExporter.IR_VERSION));
    props.put(ModelMetadata.OPSET_VERSION, Long.toString(OnnxExporter.OPSET_VERSION));
    props.put(ModelMetadata.PRODUCER_NAME, OnnxExporter.PRODUCER_NAME);
    props.put(ModelMetadata.MODEL_KIND, kind.value());
    for (Map.Entry<String, String> e : props.entrySet()) {
      model.addMetadataProps(
          OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return model.build();
  }
}
