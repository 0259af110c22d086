package dev.enas.server.api;

import com.google.protobuf.ByteString;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.RawContents;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.serving.ServingSettings;
import dev.enas.server.serving.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A GrpcServer on the in-process transport with the inference service over a model repository in a
 * folder of the test's, and a blocking client stub; plus request and answer helpers.
 */
final class InferenceTestServer implements AutoCloseable {
  final ModelRepository repository;
  final InferenceServiceImpl service;
  final GrpcServer server;
  final ManagedChannel channel;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  private InferenceTestServer(
      ModelRepository repository,
      InferenceServiceImpl service,
      GrpcServer server,
      ManagedChannel channel) {
    this.repository = repository;
    this.service = service;
    this.server = server;
    this.channel = channel;
    this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  static InferenceTestServer start(Path folder, Duration scanInterval, int maxBatch)
      throws IOException {
    return start(folder, scanInterval, maxBatch, ServingSettings.DEFAULT_INLINE_MAX_BYTES);
  }

  /**
   * @param inlineMaxBytes the largest request that runs on the transport thread
   */
  static InferenceTestServer start(
      Path folder, Duration scanInterval, int maxBatch, int inlineMaxBytes) throws IOException {
    ModelRepository repository =
        ModelRepository.open(
            new ServingSettings(folder, scanInterval, maxBatch, "cpu", 1, 2, 16, inlineMaxBytes));
    InferenceServiceImpl service =
        new InferenceServiceImpl(repository, 2, 16, inlineMaxBytes, "test-version");
    String name = "enas-inference-test-" + UUID.randomUUID();
    GrpcServer server =
        GrpcServer.start(
            InProcessServerBuilder.forName(name),
            new InMemorySearchBackend(3),
            new GrpcSettings(2, 1, 64, Duration.ofSeconds(5)),
            List.of(service));
    return new InferenceTestServer(
        repository, service, server, InProcessChannelBuilder.forName(name).build());
  }

  /** A request for the test classifier with the images as fp32_contents. */
  static ModelInferRequest.Builder images(String model, float[] pixels) {
    ModelInferRequest.InferInputTensor.Builder input =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName(TestModels.IMAGE)
            .setDatatype("FP32")
            .addAllShape(List.of((long) pixels.length / TestModels.PIXELS, 1L, 4L, 4L));
    for (float pixel : pixels) {
      input.getContentsBuilder().addFp32Contents(pixel);
    }
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(input);
  }

  /** Elements as little-endian bytes, the raw form of the protocol. */
  static ByteString raw(float[] values) {
    return RawContents.ofFloats(values);
  }

  /** 64-bit integers as little-endian bytes, the raw form of an INT64 tensor. */
  static ByteString raw(long[] values) {
    return RawContents.ofLongs(LongBuffer.wrap(values));
  }

  /**
   * A request for one step of a language model published by {@link TestModels.LanguageModel}: the
   * token ids in int64_contents and the hidden state in fp32_contents.
   */
  static ModelInferRequest.Builder step(String model, long[] tokens, float[] hidden) {
    ModelInferRequest.InferInputTensor.Builder ids =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName("token_ids")
            .setDatatype("INT64")
            .addShape(tokens.length);
    for (long token : tokens) {
      ids.getContentsBuilder().addInt64Contents(token);
    }
    ModelInferRequest.InferInputTensor.Builder state =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName("hidden")
            .setDatatype("FP32")
            .addAllShape(List.of((long) tokens.length, (long) hidden.length / tokens.length));
    for (float value : hidden) {
      state.getContentsBuilder().addFp32Contents(value);
    }
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(ids).addInputs(state);
  }

  /** The elements of raw output {@code index}. */
  static float[] output(ModelInferResponse response, int index) {
    return RawContents.toFloats(response.getRawOutputContents(index));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    service.beginShutdown();
    server.close();
    service.close();
    repository.close();
  }
}
