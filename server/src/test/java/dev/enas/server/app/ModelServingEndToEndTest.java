package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.serving.ModelRepository;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finished search's model, end to end on a loopback port: the search publishes it before it
 * succeeds, the inference service serves it under the search id, and DownloadModel returns the
 * repository's file byte for byte.
 */
class ModelServingEndToEndTest {
  private static final String ID = "served-search";
  private static final int IMAGES = 8;

  @TempDir
  static Path dataDir;

  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub searches;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference;
  private static List<SearchEvent> events;

  @BeforeAll
  static void start() throws Exception {
    Config config = ConfigFactory.load()
        .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()));
    server = EnasServer.start(config,
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    searches = SearchServiceGrpc.newBlockingStub(channel);
    inference = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    searches.createSearch(CreateSearchRequest.newBuilder().setSearchId(ID)
        .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 17))).build());
    events = new ArrayList<>();
    searches.withDeadlineAfter(5, TimeUnit.MINUTES).watchSearch(
        WatchSearchRequest.newBuilder().setSearchId(ID).build()).forEachRemaining(events::add);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void theSearchSucceedsAfterExportingAndNamesItsServedModel() {
    List<Phase> phases = new ArrayList<>();
    events.stream().filter(SearchEvent::hasPhaseChanged)
        .forEach(e -> phases.add(e.getPhaseChanged().getPhase()));
    assertThat(phases).endsWith(Phase.PHASE_FINAL_TRAINING, Phase.PHASE_EXPORTING,
        Phase.PHASE_SUCCEEDED);
    assertThat(events.get(events.size() - 1).hasFinished()).isTrue();

    Search done = searches.getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
    assertThat(done.getModelName()).isEqualTo(ID);
    assertThat(done.getModelVersion()).isEqualTo(1);
    assertThat(inference.modelReady(ModelReadyRequest.newBuilder().setName(ID).build())
        .getReady()).isTrue();
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
    ByteBuffer input = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    input.asFloatBuffer().put(pixels);
    ModelInferResponse response = inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName(ID)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32")
            .addAllShape(List.of((long) IMAGES, (long) test.channels(), (long) test.height(),
                (long) test.width())))
        .addRawInputContents(ByteString.copyFrom(input.array()))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
            .setName("probabilities"))
        .build());
    float[] probabilities = floats(response.getRawOutputContents(0));
    int classes = test.numClasses();
    assertThat(probabilities).hasSize(IMAGES * classes);

    // A session of its own on the downloaded bytes: the reference shares nothing with the server.
    float[] logits = onnxRuntimeLogits(download(0), pixels,
        new long[] {IMAGES, test.channels(), test.height(), test.width()});
    for (int image = 0; image < IMAGES; image++) {
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += probabilities[image * classes + k];
      }
      assertThat(sum).as("image %d", image).isCloseTo(1.0, within(1e-5));
      assertThat(argmax(probabilities, image, classes)).as("image %d", image)
          .isEqualTo(argmax(logits, image, classes));
    }
  }

  @Test
  void downloadModelReturnsTheRepositorysFileInChunks() throws Exception {
    Path file = server.models().root().resolve(ID).resolve("1")
        .resolve(ModelRepository.MODEL_FILE);
    byte[] expected = Files.readAllBytes(file);

    Iterator<ModelChunk> chunks = searches.downloadModel(
        DownloadModelRequest.newBuilder().setSearchId(ID).build());
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
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("version 2");
        });
    assertThatThrownBy(() -> searches.downloadModel(
        DownloadModelRequest.newBuilder().setSearchId("no-such-search").build()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static byte[] download(long version) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<ModelChunk> chunks = searches.downloadModel(
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

  private static float[] floats(ByteString bytes) {
    FloatBuffer buffer = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
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
