package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.util.JsonFormat;
import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import dev.enas.data.Normalization;
import dev.enas.export.ModelMetadata;
import dev.enas.export.OnnxExporter;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecJson;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.server.serving.ModelRepository;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpaces;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.BatchNormMode;
import dev.enas.supernet.StandaloneNetwork;
import dev.enas.train.Retraining;
import dev.enas.train.SearchData;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finished search's model, end to end on a loopback port: the search publishes it before it
 * succeeds, the inference service serves it under the search id and classifies the whole embedded
 * test set as the retrained DJL network does, and DownloadModel returns the repository's file byte
 * for byte.
 */
@Tag("slow")
class ModelServingEndToEndTest {
  private static final String ID = "served-search";
  private static final SearchSpec SPEC = SearchSpec.smoke("macro", 17);
  private static final int IMAGES = 8;

  /** Images per ModelInfer request over the whole test set: within the default batch limit. */
  private static final int BATCH = 50;

  /**
   * Logits closer than this are a tie: see {@link
   * #everyTestImageGetsDjlsTopClassThroughModelInfer}.
   */
  private static final double TIE = 1e-5;

  @TempDir static Path dataDir;

  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub searches;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference;
  private static List<SearchEvent> events;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackServers.start(LoopbackServers.config(dataDir));
    channel = LoopbackServers.channel(server);
    searches = SearchServiceGrpc.newBlockingStub(channel);
    inference = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    searches.createSearch(
        CreateSearchRequest.newBuilder().setSearchId(ID).setSpec(SpecMapper.toWire(SPEC)).build());
    events = new ArrayList<>();
    searches
        .withDeadlineAfter(5, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(ID).build())
        .forEachRemaining(events::add);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void theSearchSucceedsAfterExportingAndNamesItsServedModel() {
    List<Phase> phases = new ArrayList<>();
    events.stream()
        .filter(SearchEvent::hasPhaseChanged)
        .forEach(e -> phases.add(e.getPhaseChanged().getPhase()));
    assertThat(phases)
        .endsWith(Phase.PHASE_FINAL_TRAINING, Phase.PHASE_EXPORTING, Phase.PHASE_SUCCEEDED);
    SearchEvent.Finished finished =
        ServerEndToEndTest.assertFinishedWithTheDerivedChild(events, SPEC);

    Search done = searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
    assertThat(done.getModelName()).isEqualTo(ID);
    assertThat(done.getModelVersion()).isEqualTo(1);
    assertThat(done.getResult().getTestAccuracy()).isEqualTo(finished.getTestAccuracy());
    assertThat(inference.modelReady(ModelReadyRequest.newBuilder().setName(ID).build()).getReady())
        .isTrue();
  }

  /**
   * The spec in the published model's provenance is protobuf JSON of the wire spec: read from the
   * downloaded file and from the inference service's model metadata, it parses back into the spec
   * the search ran, so a search can be started again from a served model alone.
   */
  @Test
  void thePublishedModelsSpecParsesBackIntoTheSpecTheSearchRan() throws Exception {
    Map<String, String> provenance = new LinkedHashMap<>();
    ModelProto.parseFrom(download(0))
        .getMetadataPropsList()
        .forEach(entry -> provenance.put(entry.getKey(), entry.getValue()));
    String json = provenance.get(ModelMetadata.SPEC);
    assertThat(SpecJson.parse(json)).isEqualTo(SPEC);

    Search done = searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
    dev.enas.proto.v1.SearchSpec.Builder wire = dev.enas.proto.v1.SearchSpec.newBuilder();
    JsonFormat.parser().merge(json, wire);
    assertThat(wire.build()).isEqualTo(done.getSpec());

    ModelMetadataResponse served =
        inference.modelMetadata(ModelMetadataRequest.newBuilder().setName(ID).build());
    assertThat(served.getParametersMap().get(ModelMetadata.SPEC).getStringParam()).isEqualTo(json);
  }

  @Test
  void modelInferGivesTheClassesOnnxRuntimeComputesFromTheDownloadedFile() throws Exception {
    ImageDataset test = EmbeddedData.fashionMnistTest();
    int size = test.imageSize();
    float[] pixels = new float[IMAGES * size];
    ByteBuffer raw = test.pixelBuffer();
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (raw.get(i) & 0xff) / 255f;
    }
    ModelInferResponse response =
        inference.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName(ID)
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("input")
                        .setDatatype("FP32")
                        .addAllShape(
                            List.of(
                                (long) IMAGES,
                                (long) test.channels(),
                                (long) test.height(),
                                (long) test.width())))
                .addRawInputContents(RawContents.ofFloats(pixels))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("probabilities"))
                .build());
    float[] probabilities = RawContents.toFloats(response.getRawOutputContents(0));
    int classes = test.numClasses();
    assertThat(probabilities).hasSize(IMAGES * classes);

    // A session of its own on the downloaded bytes: the reference shares nothing with the server.
    float[] logits =
        onnxRuntimeLogits(
            download(0), pixels, new long[] {IMAGES, test.channels(), test.height(), test.width()});
    for (int image = 0; image < IMAGES; image++) {
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += probabilities[image * classes + k];
      }
      assertThat(sum).as("image %d", image).isCloseTo(1.0, within(1e-5));
      assertThat(argmax(probabilities, image, classes))
          .as("image %d", image)
          .isEqualTo(argmax(logits, image, classes));
    }
  }

  /**
   * Every image of the embedded test set (1,000), sent as a client sends it (pixels scaled to [0,
   * 1], batches of {@value #BATCH} as raw_input_contents) through ModelInfer on the real port, gets
   * the top class that DJL's evaluation-mode forward pass of the retrained network gives.
   *
   * <p>The reference network. The server's retrained network lives inside its final-training actor
   * and is closed when the search ends, and the API rightly has no way to reach it. The test
   * rebuilds it instead: retraining is a function of the derived architecture, the data split and
   * the spec, every random choice in it seeded from the spec (initial weights, batch order,
   * augmentation; the smoke spec has no dropout), and the engine computes it bit for bit alike on
   * one machine (see SearchLoop). The test does not take that on trust: the rebuilt network must
   * report the search's test accuracy exactly, and exported, it must give exactly the graph the
   * server published, every weight and batch-norm statistic included. Only then is it the
   * reference.
   *
   * <p>Ties. A class counts as a match also when DJL's own logits for the two classes differ by at
   * most {@value #TIE}: two engines sum in different orders, float32 rounding moves logits by about
   * 1e-6 here, and a near-tie can then fall either way without either engine being wrong. All
   * served logits must still be within the export verifier's tolerance of DJL's, so a tie cannot
   * hide a real disagreement.
   */
  @Test
  void everyTestImageGetsDjlsTopClassThroughModelInfer() throws Exception {
    Search done = searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
    assertThat(BATCH).isLessThanOrEqualTo(server.models().maxBatch());
    SearchData data = SearchData.load(SPEC.data(), SPEC.seed());
    ImageDataset test = data.test();
    assertThat(test.size()).isEqualTo(EmbeddedData.fashionMnistTest().size()).isEqualTo(1000);
    Architecture child = SearchSpaces.parse(done.getResult().getArchitecture().getEncoding());
    int classes = test.numClasses();
    float[] pixels = scaled(test);

    float[] reference;
    try (Retraining retraining = new Retraining(child, data, SPEC)) {
      for (int epoch = 0; epoch < retraining.epochs(); epoch++) {
        for (int step = 0; step < retraining.stepsPerEpoch(); step++) {
          retraining.step(epoch, step);
        }
        retraining.endEpoch(epoch);
      }
      assertThat(retraining.test().testAccuracy())
          .as("the rebuilt network's test accuracy")
          .isEqualTo(done.getResult().getTestAccuracy());
      ModelProto served = ModelProto.parseFrom(download(0));
      Map<String, String> provenance = new LinkedHashMap<>();
      served.getMetadataPropsList().stream()
          .filter(entry -> !ModelMetadata.DERIVED.contains(entry.getKey()))
          .forEach(entry -> provenance.put(entry.getKey(), entry.getValue()));
      GraphProto rebuilt =
          OnnxExporter.export(
                  retraining.network(), data.normalization(), test.classNames(), provenance)
              .getGraph();
      assertThat(rebuilt.equals(served.getGraph()))
          .as("the rebuilt network exports to the published graph, weights included")
          .isTrue();
      reference = djlLogits(retraining.network(), data.normalization(), pixels, test);
    }

    float[] logits = new float[test.size() * classes];
    for (int first = 0; first < test.size(); first += BATCH) {
      int count = Math.min(BATCH, test.size() - first);
      ModelInferResponse response =
          inference.modelInfer(
              ModelInferRequest.newBuilder()
                  .setModelName(ID)
                  .addInputs(
                      ModelInferRequest.InferInputTensor.newBuilder()
                          .setName("input")
                          .setDatatype("FP32")
                          .addAllShape(
                              List.of(
                                  (long) count,
                                  (long) test.channels(),
                                  (long) test.height(),
                                  (long) test.width())))
                  .addRawInputContents(
                      RawContents.ofFloats(
                          FloatBuffer.wrap(
                              pixels, first * test.imageSize(), count * test.imageSize())))
                  .addOutputs(
                      ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
                  .build());
      assertThat(response.getOutputs(0).getShapeList())
          .containsExactly((long) count, (long) classes);
      float[] batch = RawContents.toFloats(response.getRawOutputContents(0));
      System.arraycopy(batch, 0, logits, first * classes, batch.length);
    }

    int ties = 0;
    for (int image = 0; image < test.size(); image++) {
      for (int k = 0; k < classes; k++) {
        int at = image * classes + k;
        assertThat((double) logits[at])
            .as("image %d, logit %d", image, k)
            .isCloseTo(
                reference[at],
                within(
                    ExportVerifier.DEFAULT_TOLERANCE
                        + ExportVerifier.RELATIVE_TOLERANCE * Math.abs(reference[at])));
      }
      int djl = argmax(reference, image, classes);
      int servedTop = argmax(logits, image, classes);
      if (servedTop != djl) {
        assertThat(reference[image * classes + djl] - reference[image * classes + servedTop])
            .as("image %d: ModelInfer's top class %d, DJL's %d", image, servedTop, djl)
            .isLessThanOrEqualTo((float) TIE);
        ties++;
      }
    }
    assertThat(ties).as("images whose top class was a tie within %s", TIE).isLessThan(10);
  }

  /** Every image's pixels scaled to [0, 1], as a client sends them; N x C x H x W. */
  private static float[] scaled(ImageDataset images) {
    float[] out = new float[images.size() * images.imageSize()];
    ByteBuffer raw = images.pixelBuffer();
    for (int i = 0; i < out.length; i++) {
      out[i] = (raw.get(i) & 0xff) / 255f;
    }
    return out;
  }

  /** DJL's evaluation-mode logits, fed the pixels normalised as the exported graph does it. */
  private static float[] djlLogits(
      StandaloneNetwork network, Normalization normalization, float[] pixels, ImageDataset images) {
    float[] mean = normalization.mean();
    float[] std = normalization.std();
    int plane = images.height() * images.width();
    float[] normalised = new float[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      int channel = (i / plane) % images.channels();
      normalised[i] = (pixels[i] - mean[channel]) / std[channel];
    }
    int size = images.imageSize();
    int classes = images.numClasses();
    float[] out = new float[images.size() * classes];
    for (int first = 0; first < images.size(); first += BATCH) {
      int count = Math.min(BATCH, images.size() - first);
      float[] batch = Arrays.copyOfRange(normalised, first * size, (first + count) * size);
      float[] logits = network.logits(batch, BatchNormMode.RUNNING);
      System.arraycopy(logits, 0, out, first * classes, logits.length);
    }
    return out;
  }

  @Test
  void downloadModelReturnsTheRepositorysFileInChunks() throws Exception {
    Path file = server.models().root().resolve(ID).resolve("1").resolve(ModelRepository.MODEL_FILE);
    byte[] expected = Files.readAllBytes(file);

    Iterator<ModelChunk> chunks =
        searches.downloadModel(DownloadModelRequest.newBuilder().setSearchId(ID).build());
    ModelChunk first = chunks.next();
    assertThat(first.getModelName()).isEqualTo(ID);
    assertThat(first.getModelVersion()).isEqualTo(1);
    assertThat(first.getTotalSize()).isEqualTo(expected.length);
    assertThat(first.getData().size()).isLessThanOrEqualTo(64 * 1024);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    first.getData().writeTo(all);
    while (chunks.hasNext()) {
      chunks.next().getData().writeTo(all);
    }
    assertThat(all.toByteArray()).isEqualTo(expected);
    assertThat(download(1)).isEqualTo(expected);
  }

  @Test
  void downloadModelOfAMissingModelOrVersionIsNotFound() {
    assertThatThrownBy(() -> download(2))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("version 2");
            });
    assertThatThrownBy(
            () ->
                searches
                    .downloadModel(
                        DownloadModelRequest.newBuilder().setSearchId("no-such-search").build())
                    .next())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static byte[] download(long version) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<ModelChunk> chunks =
        searches.downloadModel(
            DownloadModelRequest.newBuilder().setSearchId(ID).setVersion(version).build());
    while (chunks.hasNext()) {
      chunks.next().getData().writeTo(out);
    }
    return out.toByteArray();
  }

  private static float[] onnxRuntimeLogits(byte[] model, float[] pixels, long[] shape)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, options);
        OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
        OrtSession.Result result = session.run(Map.of("input", tensor))) {
      FloatBuffer logits = ((OnnxTensor) result.get("logits").orElseThrow()).getFloatBuffer();
      float[] out = new float[logits.remaining()];
      logits.get(out);
      return out;
    }
  }

  private static int argmax(float[] values, int row, int classes) {
    int best = 0;
    for (int k = 1; k < classes; k++) {
      if (values[row * classes + k] > values[row * classes + best]) {
        best = k;
      }
    }
    return best;
  }
}
