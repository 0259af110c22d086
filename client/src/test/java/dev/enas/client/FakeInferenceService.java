package dev.enas.client;

import com.google.protobuf.ByteString;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.InferParameter;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One served model, "fashion", as an enas export looks over the Open Inference Protocol: a grey 4 x
 * 4 image in, three classes out with labels; it answers fixed probabilities and keeps every request
 * for the test to read.
 */
public final class FakeInferenceService
    extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  public static final String MODEL = "fashion";
  public static final float[] PROBABILITIES = {0.1f, 0.7f, 0.2f};

  public final List<ModelInferRequest> requests = new CopyOnWriteArrayList<>();

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
    if (!request.getName().equals(MODEL)) {
      response.onError(
          Status.NOT_FOUND.withDescription("no model " + request.getName()).asRuntimeException());
      return;
    }
    response.onNext(
        ModelMetadataResponse.newBuilder()
            .setName(MODEL)
            .addVersions("1")
            .setPlatform("onnxruntime_onnx")
            .addInputs(tensor("input", -1, 1, 4, 4))
            .addOutputs(tensor("logits", -1, 3))
            .addOutputs(tensor("probabilities", -1, 3))
            .putParameters(
                "class_labels",
                InferParameter.newBuilder()
                    .setStringParam("[\"T-shirt/top\",\"Trouser\",\"Bag\"]")
                    .build())
            .build());
    response.onCompleted();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
    requests.add(request);
    ByteBuffer out = ByteBuffer.allocate(PROBABILITIES.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asFloatBuffer().put(PROBABILITIES);
    response.onNext(
        ModelInferResponse.newBuilder()
            .setModelName(MODEL)
            .setModelVersion("1")
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("probabilities")
                    .setDatatype("FP32")
                    .addShape(1)
                    .addShape(3))
            .addRawOutputContents(ByteString.copyFrom(out.array()))
            .build());
    response.onCompleted();
  }

  private static ModelMetadataResponse.TensorMetadata tensor(String name, long... shape) {
    ModelMetadataResponse.TensorMetadata.Builder out =
        ModelMetadataResponse.TensorMetadata.newBuilder().setName(name).setDatatype("FP32");
    for (long d : shape) {
      out.addShape(d);
    }
    return out.build();
  }
}
