package dev.enas.server.api;

import static dev.enas.server.api.InferenceTestServer.images;
import static dev.enas.server.api.InferenceTestServer.output;
import static dev.enas.server.api.InferenceTestServer.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.google.rpc.PreconditionFailure;
import dev.enas.proto.inference.InferParameter;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.ModelReadyResponse;
import dev.enas.proto.inference.ServerLiveRequest;
import dev.enas.proto.inference.ServerMetadataRequest;
import dev.enas.proto.inference.ServerMetadataResponse;
import dev.enas.proto.inference.ServerReadyRequest;
import dev.enas.server.serving.TestModels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference service through real stubs on an in-process server, over real ONNX models in a real
 * folder: health, metadata, inference with both kinds of contents, versions that appear while the
 * server runs, and a corrupt model next to working ones.
 */
class InferenceServiceTest {
  private static final TestModels.Classifier V1 = TestModels.Classifier.of(3, 11);
  private static final TestModels.Classifier V2 = TestModels.Classifier.of(3, 12);

  @TempDir Path folder;

  private InferenceTestServer test;

  private InferenceTestServer start(Duration scanInterval) throws IOException {
    test = InferenceTestServer.start(folder, scanInterval, 8);
    return test;
  }

  @AfterEach
  void stop() {
    if (test != null) {
      test.close();
    }
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
    }
  }

  @Test
  void theServerReportsItselfLiveReadyAndNamed() throws IOException {
    start(Duration.ZERO);
    assertThat(test.stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(test.stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    ServerMetadataResponse metadata =
        test.stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertThat(metadata.getName()).isEqualTo("enas");
    assertThat(metadata.getVersion()).isEqualTo("test-version");
    assertThat(metadata.getExtensionsList())
        .containsExactly("enas_model_parameters", "enas_model_ready_reason");
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(test.channel)
            .check(
                HealthCheckRequest.newBuilder()
                    .setService("inference.GRPCInferenceService")
                    .build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    test.service.beginShutdown();
    assertThat(test.stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .as("a server shutting down is live but no longer ready")
        .isFalse();
    assertThat(test.stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
  }

  @Test
  void smallRequestsRunOnTheTransportThreadAndLargerOnesOnTheInferencePool() throws IOException {
    float[] one = new float[TestModels.PIXELS];
    float[] eight = new float[8 * TestModels.PIXELS];
    int limit = images("fashion", one).build().getSerializedSize();
    assertThat(images("fashion", eight).build().getSerializedSize()).isGreaterThan(limit);
    test = InferenceTestServer.start(folder, Duration.ZERO, 8, limit);
    test.repository.publish("fashion", V1.bytes(), Map.of());

    ModelInferResponse small = test.stub.modelInfer(images("fashion", one).build());
    ModelInferResponse large = test.stub.modelInfer(images("fashion", eight).build());

    assertClose(output(small, 1), V1.probabilities(one));
    assertClose(output(large, 1), V1.probabilities(eight));
    assertThat(test.service.inferencesOnTransportThread()).isEqualTo(1);
    assertThat(test.service.inferencesOnPool()).isEqualTo(1);
  }

  @Test
  void smallAndLargeRequestsFromManyClientsAtOnceAllGetTheirOwnAnswers() throws Exception {
    float[] one = new float[TestModels.PIXELS];
    float[] eight = new float[8 * TestModels.PIXELS];
    for (int i = 0; i < eight.length; i++) {
      eight[i] = (i % 7) / 7f;
    }
    test =
        InferenceTestServer.start(
            folder, Duration.ZERO, 8, images("fashion", one).build().getSerializedSize());
    test.repository.publish("fashion", V1.bytes(), Map.of());
    int clients = 6;
    int calls = 20;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(
            pool.submit(
                () -> {
                  for (int k = 0; k < calls; k++) {
                    float[] pixels = (client + k) % 2 == 0 ? one : eight;
                    assertClose(
                        output(test.stub.modelInfer(images("fashion", pixels).build()), 1),
                        V1.probabilities(pixels));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(test.service.inferencesOnTransportThread() + test.service.inferencesOnPool())
        .isEqualTo((long) clients * calls);
    assertThat(test.service.inferencesOnPool())
        .as("every large request, and small ones that found no free slot")
        .isGreaterThanOrEqualTo((long) clients * calls / 2);
  }

  @Test
  void aZeroInlineLimitSendsEveryRequestToTheInferencePool() throws IOException {
    test = InferenceTestServer.start(folder, Duration.ZERO, 8, 0);
    test.repository.publish("fashion", V1.bytes(), Map.of());
    float[] one = new float[TestModels.PIXELS];

    for (int i = 0; i < 3; i++) {
      assertClose(
          output(test.stub.modelInfer(images("fashion", one).build()), 1), V1.probabilities(one));
    }

    assertThat(test.service.inferencesOnTransportThread()).isZero();
    assertThat(test.service.inferencesOnPool()).isEqualTo(3);
  }

  @Test
  void modelMetadataDescribesTheTensorsWithADynamicBatchAndTheClassLabels() throws IOException {
    start(Duration.ZERO).repository.publish("fashion", V1.bytes(), Map.of("search_id", "s-9"));

    ModelMetadataResponse metadata =
        test.stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("fashion").build());

    assertThat(metadata.getName()).isEqualTo("fashion");
    assertThat(metadata.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(metadata.getVersionsList()).containsExactly("1");
    assertThat(metadata.getInputsList())
        .containsExactly(
            ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName("image")
                .setDatatype("FP32")
                .addAllShape(List.of(-1L, 1L, 4L, 4L))
                .build());
    assertThat(metadata.getOutputsList())
        .extracting(
            ModelMetadataResponse.TensorMetadata::getName,
            ModelMetadataResponse.TensorMetadata::getDatatype,
            ModelMetadataResponse.TensorMetadata::getShapeList)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("logits", "FP32", List.of(-1L, 3L)),
            org.assertj.core.groups.Tuple.tuple("probabilities", "FP32", List.of(-1L, 3L)));
    assertThat(metadata.getParametersMap())
        .containsEntry(
            "class_labels",
            InferParameter.newBuilder().setStringParam("[\"c0\", \"c1\", \"c2\"]").build())
        .containsEntry("search_id", InferParameter.newBuilder().setStringParam("s-9").build());
    assertThat(
            test.stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("fashion").setVersion("1").build()))
        .isEqualTo(metadata);
  }

  @Test
  void inferenceWithTypedContentsReturnsRawOutputs() throws IOException {
    start(Duration.ZERO).repository.publish("fashion", V1.bytes(), Map.of());
    float[] pixels = TestModels.images(2, 21);

    ModelInferResponse response =
        test.stub.modelInfer(images("fashion", pixels).setId("request-7").build());

    assertThat(response.getModelName()).isEqualTo("fashion");
    assertThat(response.getModelVersion()).isEqualTo("1");
    assertThat(response.getId()).isEqualTo("request-7");
    assertThat(response.getOutputsList())
        .extracting(
            o -> o.getName(), o -> o.getDatatype(), o -> o.getShapeList(), o -> o.hasContents())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("logits", "FP32", List.of(2L, 3L), false),
            org.assertj.core.groups.Tuple.tuple("probabilities", "FP32", List.of(2L, 3L), false));
    assertClose(output(response, 0), V1.logits(pixels));
    assertClose(output(response, 1), V1.probabilities(pixels));
  }

  @Test
  void inferenceWithRawContentsReturnsOnlyTheRequestedOutputsInTheirOrder() throws IOException {
    start(Duration.ZERO).repository.publish("fashion", V1.bytes(), Map.of());
    float[] pixels = TestModels.images(3, 22);
    ModelInferRequest.Builder request =
        ModelInferRequest.newBuilder()
            .setModelName("fashion")
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("image")
                    .setDatatype("FP32")
                    .addAllShape(List.of(3L, 1L, 4L, 4L)))
            .addRawInputContents(raw(pixels));

    ModelInferResponse one =
        test.stub.modelInfer(
            request
                .clone()
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("probabilities"))
                .build());
    assertThat(one.getOutputsList()).extracting(o -> o.getName()).containsExactly("probabilities");
    assertThat(one.getRawOutputContentsCount()).isEqualTo(1);
    assertClose(output(one, 0), V1.probabilities(pixels));

    ModelInferResponse both =
        test.stub.modelInfer(
            request
                .clone()
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("probabilities"))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
                .build());
    assertThat(both.getOutputsList())
        .extracting(o -> o.getName())
        .containsExactly("probabilities", "logits");
    assertClose(output(both, 1), V1.logits(pixels));
  }

  /**
   * A client generates with a language model through ModelInfer alone: INT64 token ids and the FP32
   * hidden state in, next_hidden fed back, the most probable word as the next token. Steps
   * alternate typed and raw contents; every step matches the reference within 1e-4.
   */
  @Test
  void aLanguageModelGeneratesTokenByTokenWithInt64TokenIds() throws IOException {
    TestModels.LanguageModel lm =
        TestModels.LanguageModel.of("rnn: 2 | 0 0 | 0 1 | 2 3", 31, 12, 9);
    start(Duration.ZERO).repository.publish("sonnets", lm.bytes(), Map.of());

    ModelMetadataResponse metadata =
        test.stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("sonnets").build());
    assertThat(metadata.getInputsList())
        .extracting(
            ModelMetadataResponse.TensorMetadata::getName,
            ModelMetadataResponse.TensorMetadata::getDatatype,
            ModelMetadataResponse.TensorMetadata::getShapeList)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("token_ids", "INT64", List.of(-1L)),
            org.assertj.core.groups.Tuple.tuple("hidden", "FP32", List.of(-1L, 12L)));
    assertThat(metadata.getParametersMap().get("vocabulary").getStringParam())
        .startsWith("[\"w0\",\"w1\",");

    long[] tokens = {4, 17};
    float[] hidden = new float[2 * 12];
    double[] expectedHidden = new double[2 * 12];
    for (int step = 0; step < 20; step++) {
      ModelInferRequest.Builder request = InferenceTestServer.step("sonnets", tokens, hidden);
      if (step % 2 == 1) {
        request.getInputsBuilder(0).clearContents();
        request.getInputsBuilder(1).clearContents();
        request.addRawInputContents(raw(tokens)).addRawInputContents(raw(hidden));
      }
      ModelInferResponse response = test.stub.modelInfer(request.build());

      assertThat(response.getOutputsList())
          .extracting(o -> o.getName(), o -> o.getDatatype(), o -> o.getShapeList())
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("logits", "FP32", List.of(2L, 31L)),
              org.assertj.core.groups.Tuple.tuple("probabilities", "FP32", List.of(2L, 31L)),
              org.assertj.core.groups.Tuple.tuple("next_hidden", "FP32", List.of(2L, 12L)));
      var expected = lm.step(new int[] {(int) tokens[0], (int) tokens[1]}, expectedHidden);
      float[] logits = output(response, 0);
      hidden = output(response, 2);
      for (int i = 0; i < logits.length; i++) {
        assertThat((double) logits[i])
            .as("step %d logit %d", step, i)
            .isCloseTo(expected.logits()[i], within(1e-4));
      }
      for (int i = 0; i < hidden.length; i++) {
        assertThat((double) hidden[i])
            .as("step %d unit %d", step, i)
            .isCloseTo(expected.hidden()[i], within(1e-4));
      }
      expectedHidden = expected.hidden();
      float[] probabilities = output(response, 1);
      for (int b = 0; b < 2; b++) {
        int best = 0;
        for (int v = 1; v < 31; v++) {
          if (probabilities[b * 31 + v] > probabilities[b * 31 + best]) {
            best = v;
          }
        }
        tokens[b] = best;
      }
    }
  }

  @Test
  void aModelWithTwoInputsTakesThemInAnyOrder() throws IOException {
    start(Duration.ZERO).repository.publish("adder", TestModels.adder(), Map.of());
    float[] a = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] b = {0.5f, 0.25f, -1, -2, 10, 20, 30, 40};

    ModelInferResponse response =
        test.stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("adder")
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("b")
                        .setDatatype("FP32")
                        .addAllShape(List.of(2L, 4L)))
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("a")
                        .setDatatype("FP32")
                        .addAllShape(List.of(2L, 4L)))
                .addRawInputContents(raw(b))
                .addRawInputContents(raw(a))
                .build());

    assertClose(output(response, 0), new float[] {1.5f, 2.25f, 2, 2, 15, 26, 37, 48});
  }

  @Test
  void aVersionDroppedIntoTheFolderBecomesLiveWithoutARestart() throws Exception {
    TestModels.place(folder, "fashion", 1, V1.bytes());
    start(Duration.ofMillis(100));
    float[] pixels = TestModels.images(1, 23);
    assertThat(test.stub.modelInfer(images("fashion", pixels).build()).getModelVersion())
        .isEqualTo("1");

    TestModels.place(folder, "fashion", 2, V2.bytes());
    Instant deadline = Instant.now().plusSeconds(20);
    ModelMetadataResponse metadata;
    do {
      Thread.sleep(50);
      metadata =
          test.stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("fashion").build());
    } while (metadata.getVersionsCount() < 2 && Instant.now().isBefore(deadline));

    assertThat(metadata.getVersionsList()).containsExactly("1", "2");
    ModelInferResponse latest = test.stub.modelInfer(images("fashion", pixels).build());
    assertThat(latest.getModelVersion()).isEqualTo("2");
    assertClose(output(latest, 1), V2.probabilities(pixels));
    ModelInferResponse pinned =
        test.stub.modelInfer(images("fashion", pixels).setModelVersion("1").build());
    assertThat(pinned.getModelVersion()).isEqualTo("1");
    assertClose(output(pinned, 1), V1.probabilities(pixels));
  }

  @Test
  void aCorruptModelIsNotReadyWithItsReasonWhileTheOthersKeepServing() throws IOException {
    TestModels.place(folder, "good", 1, V1.bytes());
    TestModels.place(folder, "corrupt", 1, new byte[] {42, 42, 42});
    TestModels.place(folder, "upgraded", 1, V1.bytes());
    TestModels.place(folder, "upgraded", 2, new byte[] {7});
    start(Duration.ZERO);

    ModelReadyResponse corrupt =
        test.stub.modelReady(ModelReadyRequest.newBuilder().setName("corrupt").build());
    assertThat(corrupt.getReady()).isFalse();
    assertThat(corrupt.getReason())
        .contains("ONNX Runtime cannot load the model")
        .contains("corrupt/1/model.onnx");

    StatusRuntimeException metadata =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                test.stub.modelMetadata(
                    ModelMetadataRequest.newBuilder().setName("corrupt").build()));
    assertThat(metadata.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(metadata.getStatus().getDescription())
        .contains("model 'corrupt' version 1 is not ready");
    assertThat(StatusProto.fromThrowable(metadata).getDetails(0).is(PreconditionFailure.class))
        .isTrue();
    StatusRuntimeException infer =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> test.stub.modelInfer(images("corrupt", TestModels.images(1, 1)).build()));
    assertThat(infer.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

    assertThat(
            test.stub
                .modelReady(
                    ModelReadyRequest.newBuilder().setName("upgraded").setVersion("2").build())
                .getReady())
        .isFalse();
    assertThat(
            test.stub
                .modelReady(ModelReadyRequest.newBuilder().setName("upgraded").build())
                .getReady())
        .as("the default version is the newest one that works")
        .isTrue();
    float[] pixels = TestModels.images(2, 24);
    assertThat(test.stub.modelInfer(images("upgraded", pixels).build()).getModelVersion())
        .isEqualTo("1");
    ModelReadyResponse good =
        test.stub.modelReady(ModelReadyRequest.newBuilder().setName("good").build());
    assertThat(good.getReady()).isTrue();
    assertThat(good.getReason()).isEmpty();
    assertClose(
        output(test.stub.modelInfer(images("good", pixels).build()), 1), V1.probabilities(pixels));
    assertThat(test.stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .as("a broken model does not make the server unready")
        .isTrue();
  }
}
