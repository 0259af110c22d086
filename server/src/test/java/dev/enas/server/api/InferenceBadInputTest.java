package dev.enas.server.api;

import static dev.enas.server.api.InferenceTestServer.images;
import static dev.enas.server.api.InferenceTestServer.output;
import static dev.enas.server.api.InferenceTestServer.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ResourceInfo;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferRequest.InferInputTensor;
import dev.enas.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.server.serving.TestModels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad inference request gets INVALID_ARGUMENT or NOT_FOUND naming the field at fault,
 * and the model answers the next good request as if nothing had happened.
 */
class InferenceBadInputTest {
  private static final TestModels.Classifier CLASSIFIER = TestModels.Classifier.of(4, 31);
  private static final TestModels.LanguageModel LANGUAGE_MODEL =
      TestModels.LanguageModel.of("rnn: 0 | 0 1", 20, 8, 5);
  private static final int MAX_BATCH = 4;
  private static Path folder;
  private static InferenceTestServer test;

  @BeforeAll
  static void start() throws IOException {
    folder = Files.createTempDirectory("enas-bad-input");
    test = InferenceTestServer.start(folder, Duration.ZERO, MAX_BATCH);
    test.repository.publish("fashion", CLASSIFIER.bytes(), Map.of());
    test.repository.publish("adder", TestModels.adder(), Map.of());
    test.repository.publish("sonnets", LANGUAGE_MODEL.bytes(), Map.of());
  }

  @AfterAll
  static void stop() throws IOException {
    test.close();
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** The classifier serves a good request after every bad one, with the right numbers. */
  @AfterEach
  void aGoodRequestStillSucceeds() {
    float[] pixels = TestModels.images(MAX_BATCH, 99);
    float[] probabilities = output(test.stub.modelInfer(images("fashion", pixels).build()), 1);
    float[] expected = CLASSIFIER.probabilities(pixels);
    for (int i = 0; i < expected.length; i++) {
      assertThat(probabilities[i]).isCloseTo(expected[i], within(1e-5f));
    }
  }

  private static InferInputTensor.Builder adderInput(String name, long batch) {
    return InferInputTensor.newBuilder()
        .setName(name)
        .setDatatype("FP32")
        .addAllShape(List.of(batch, 4L));
  }

  private static ModelInferRequest.Builder adder(long batchA, long batchB) {
    return ModelInferRequest.newBuilder()
        .setModelName("adder")
        .addInputs(adderInput("a", batchA))
        .addInputs(adderInput("b", batchB))
        .addRawInputContents(raw(new float[(int) batchA * 4]))
        .addRawInputContents(raw(new float[(int) batchB * 4]));
  }

  private static ModelInferRequest.Builder fashion() {
    return images("fashion", TestModels.images(2, 5));
  }

  private static ModelInferRequest.Builder fashionShaped(long... shape) {
    ModelInferRequest.Builder request = fashion();
    request.getInputsBuilder(0).clearShape();
    for (long dim : shape) {
      request.getInputsBuilder(0).addShape(dim);
    }
    return request;
  }

  /** A step of the language model for two sequences, from a zero hidden state. */
  private static ModelInferRequest.Builder sonnets(long... tokens) {
    return InferenceTestServer.step("sonnets", tokens, new float[tokens.length * 8]);
  }

  /** The same with both inputs as raw bytes, the token ids as given. */
  private static ModelInferRequest.Builder sonnetsRaw(com.google.protobuf.ByteString tokens) {
    ModelInferRequest.Builder request = sonnets(1, 2);
    request.getInputsBuilder(0).clearContents();
    request.getInputsBuilder(1).clearContents();
    return request.addRawInputContents(tokens).addRawInputContents(raw(new float[16]));
  }

  private static Arguments infer(
      String field,
      Status.Code code,
      String describe,
      Supplier<ModelInferRequest.Builder> request) {
    return Arguments.of(describe, field, code, request);
  }

  static Stream<Arguments> badRequests() {
    Status.Code invalid = Status.Code.INVALID_ARGUMENT;
    Status.Code missing = Status.Code.NOT_FOUND;
    List<Arguments> cases = new ArrayList<>();
    cases.add(infer("model_name", invalid, "no model name", () -> fashion().setModelName("")));
    cases.add(
        infer("model_name", missing, "an unknown model", () -> fashion().setModelName("mnist")));
    cases.add(
        infer(
            "model_version",
            invalid,
            "a version that is not a number",
            () -> fashion().setModelVersion("latest")));
    cases.add(
        infer(
            "model_version", missing, "an unknown version", () -> fashion().setModelVersion("9")));
    cases.add(infer("inputs", invalid, "no inputs", () -> fashion().clearInputs()));
    cases.add(
        infer(
            "inputs[0].name",
            invalid,
            "an input without a name",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).setName("");
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].name",
            invalid,
            "an input the model does not have",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).setName("pixels");
              return r;
            }));
    cases.add(
        infer(
            "inputs[1].name",
            invalid,
            "the same input twice",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.addInputs(r.getInputs(0));
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].datatype",
            invalid,
            "a datatype other than FP32",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).setDatatype("INT64");
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].datatype",
            invalid,
            "no datatype",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).setDatatype("");
              return r;
            }));
    cases.add(
        infer("inputs[0].shape", invalid, "a shape of the wrong rank", () -> fashionShaped(2, 16)));
    cases.add(
        infer(
            "inputs[0].shape[3]",
            invalid,
            "a fixed dimension of the wrong size",
            () -> fashionShaped(2, 1, 4, 5)));
    cases.add(
        infer("inputs[0].shape[0]", invalid, "an empty batch", () -> fashionShaped(0, 1, 4, 4)));
    cases.add(
        infer(
            "inputs[0].shape[1]",
            invalid,
            "a negative dimension",
            () -> fashionShaped(2, -1, 4, 4)));
    cases.add(
        infer(
            "inputs[0].shape[0]",
            invalid,
            "a batch over the limit",
            () -> images("fashion", TestModels.images(MAX_BATCH + 1, 6))));
    cases.add(
        infer(
            "inputs[0].contents.fp32_contents",
            invalid,
            "fewer elements than the shape holds",
            () -> fashionShaped(3, 1, 4, 4)));
    cases.add(
        infer(
            "inputs[0].contents.fp32_contents",
            invalid,
            "no elements at all",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).clearContents();
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].contents.int_contents",
            invalid,
            "elements in the wrong field",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).getContentsBuilder().addIntContents(1);
              return r;
            }));
    cases.add(
        infer(
            "raw_input_contents[0]",
            invalid,
            "raw bytes of the wrong size",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).clearContents();
              return r.addRawInputContents(raw(new float[31]));
            }));
    cases.add(
        infer(
            "raw_input_contents[0]",
            invalid,
            "raw bytes not a multiple of four",
            () -> {
              ModelInferRequest.Builder r = fashion();
              r.getInputsBuilder(0).clearContents();
              return r.addRawInputContents(com.google.protobuf.ByteString.copyFrom(new byte[127]));
            }));
    cases.add(
        infer(
            "inputs[0].contents",
            invalid,
            "raw bytes and typed contents together",
            () -> fashion().addRawInputContents(raw(new float[32]))));
    cases.add(
        infer(
            "raw_input_contents",
            invalid,
            "fewer raw entries than inputs",
            () -> adder(2, 2).clearRawInputContents().addRawInputContents(raw(new float[8]))));
    cases.add(
        infer(
            "inputs",
            invalid,
            "a missing input",
            () ->
                ModelInferRequest.newBuilder()
                    .setModelName("adder")
                    .addInputs(adderInput("a", 2))
                    .addRawInputContents(raw(new float[8]))));
    cases.add(
        infer("inputs[1].shape[0]", invalid, "inputs of different batch sizes", () -> adder(2, 3)));
    cases.add(
        infer(
            "inputs[0].datatype",
            invalid,
            "token ids sent as FP32",
            () -> {
              ModelInferRequest.Builder r = sonnets(1, 2);
              r.getInputsBuilder(0).setDatatype("FP32");
              return r;
            }));
    cases.add(
        infer(
            "inputs[1].datatype",
            invalid,
            "a hidden state sent as INT64",
            () -> {
              ModelInferRequest.Builder r = sonnets(1, 2);
              r.getInputsBuilder(1).setDatatype("INT64");
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].contents.fp32_contents",
            invalid,
            "token ids in the float field",
            () -> {
              ModelInferRequest.Builder r = sonnets(1, 2);
              r.getInputsBuilder(0)
                  .getContentsBuilder()
                  .clearInt64Contents()
                  .addFp32Contents(1)
                  .addFp32Contents(2);
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].contents.int64_contents",
            invalid,
            "fewer token ids than the shape holds",
            () -> {
              ModelInferRequest.Builder r = sonnets(1, 2);
              r.getInputsBuilder(0).getContentsBuilder().clearInt64Contents().addInt64Contents(1);
              return r;
            }));
    cases.add(
        infer(
            "inputs[0].contents.int64_contents",
            invalid,
            "a token id past the vocabulary",
            () -> sonnets(3, 20)));
    cases.add(
        infer(
            "inputs[0].contents.int64_contents",
            invalid,
            "a negative token id",
            () -> sonnets(-1, 3)));
    cases.add(
        infer(
            "raw_input_contents[0]",
            invalid,
            "raw token ids of four bytes each",
            () -> sonnetsRaw(raw(new float[2]))));
    cases.add(
        infer(
            "raw_input_contents[0]",
            invalid,
            "a raw token id past the vocabulary",
            () -> sonnetsRaw(raw(new long[] {0, 1L << 40}))));
    cases.add(
        infer(
            "inputs[1].shape[0]",
            invalid,
            "a hidden state for another batch size",
            () ->
                InferenceTestServer.step("sonnets", new long[] {1, 2}, new float[16])
                    .setInputs(
                        1,
                        InferInputTensor.newBuilder()
                            .setName("hidden")
                            .setDatatype("FP32")
                            .addAllShape(List.of(1L, 8L))
                            .setContents(
                                dev.enas.proto.inference.InferTensorContents.newBuilder()
                                    .addAllFp32Contents(java.util.Collections.nCopies(8, 0f))))));
    cases.add(
        infer(
            "inputs[1].shape[1]",
            invalid,
            "a hidden state of the wrong width",
            () -> InferenceTestServer.step("sonnets", new long[] {1, 2}, new float[18])));
    cases.add(
        infer(
            "outputs[0].name",
            invalid,
            "an output the model does not have",
            () -> fashion().addOutputs(InferRequestedOutputTensor.newBuilder().setName("scores"))));
    cases.add(
        infer(
            "outputs[1].name",
            invalid,
            "the same output twice",
            () ->
                fashion()
                    .addOutputs(InferRequestedOutputTensor.newBuilder().setName("logits"))
                    .addOutputs(InferRequestedOutputTensor.newBuilder().setName("logits"))));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}: {2} on {1}")
  @MethodSource("badRequests")
  void aBadInferenceRequestNamesTheField(
      String describe, String field, Status.Code code, Supplier<ModelInferRequest.Builder> request)
      throws InvalidProtocolBufferException {
    StatusRuntimeException error =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> test.stub.modelInfer(request.get().build()));
    assertNamesField(error, code, field);
  }

  static Stream<Arguments> badLookups() {
    return Stream.of(
        Arguments.of("ModelReady", "name", Status.Code.INVALID_ARGUMENT, "", ""),
        Arguments.of("ModelReady", "name", Status.Code.NOT_FOUND, "mnist", ""),
        Arguments.of("ModelReady", "version", Status.Code.INVALID_ARGUMENT, "fashion", "v1"),
        Arguments.of("ModelReady", "version", Status.Code.NOT_FOUND, "fashion", "2"),
        Arguments.of("ModelMetadata", "name", Status.Code.INVALID_ARGUMENT, "", ""),
        Arguments.of("ModelMetadata", "name", Status.Code.NOT_FOUND, "mnist", "1"),
        Arguments.of("ModelMetadata", "version", Status.Code.INVALID_ARGUMENT, "fashion", "01"),
        Arguments.of("ModelMetadata", "version", Status.Code.NOT_FOUND, "fashion", "3"));
  }

  @ParameterizedTest(name = "{0} of ''{3}'' version ''{4}'': {2} on {1}")
  @MethodSource("badLookups")
  void aBadLookupNamesTheField(
      String rpc, String field, Status.Code code, String name, String version)
      throws InvalidProtocolBufferException {
    StatusRuntimeException error =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> {
              if (rpc.equals("ModelReady")) {
                test.stub.modelReady(
                    ModelReadyRequest.newBuilder().setName(name).setVersion(version).build());
              } else {
                test.stub.modelMetadata(
                    ModelMetadataRequest.newBuilder().setName(name).setVersion(version).build());
              }
            });
    assertNamesField(error, code, field);
  }

  /**
   * A 100,000-character model name is not found, and the status does not carry it back whole: a
   * trailer over the client's limit would close the client's connection.
   */
  @Test
  void anOversizedModelNameComesBackCut() {
    StatusRuntimeException error =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                test.stub.modelMetadata(
                    ModelMetadataRequest.newBuilder().setName("m".repeat(100_000)).build()));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(error.getStatus().getDescription()).contains("mmm").hasSizeLessThan(600);
    assertThat(StatusProto.fromThrowable(error).getSerializedSize()).isLessThan(4_096);
  }

  private static void assertNamesField(StatusRuntimeException error, Status.Code code, String field)
      throws InvalidProtocolBufferException {
    assertThat(error).as("the request fails").isNotNull();
    assertThat(error.getStatus().getCode()).isEqualTo(code);
    assertThat(error.getStatus().getDescription()).contains(field);
    List<Any> details = StatusProto.fromThrowable(error).getDetailsList();
    if (code == Status.Code.INVALID_ARGUMENT) {
      BadRequest badRequest = details.get(0).unpack(BadRequest.class);
      assertThat(badRequest.getFieldViolationsList())
          .extracting(v -> v.getField())
          .containsExactly(field);
    } else {
      assertThat(details.get(0).unpack(ResourceInfo.class).getResourceType())
          .startsWith("inference.Model");
    }
  }
}
