package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.enas.proto.v1.ChildSpec;
import dev.enas.proto.v1.ControllerSpec;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchSpec;
import dev.enas.proto.v1.TrainingSpec;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server on a real loopback port with the Netty transport, as grpcurl and clients in other
 * languages will meet it: health, reflection, an error with details in real trailers, and a watch.
 */
class LoopbackServerTest {
  private static InMemorySearchBackend backend;
  private static GrpcServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    backend = new InMemorySearchBackend(10);
    server =
        GrpcServer.start(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            backend,
            new GrpcSettings(2, 2, 1024, Duration.ofSeconds(5)));
    channel =
        Grpc.newChannelBuilderForAddress(
                InetAddress.getLoopbackAddress().getHostAddress(),
                server.port(),
                InsecureChannelCredentials.create())
            .build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void healthReportsServingForTheServerAndTheSearchService() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(
            health
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService(SearchServiceGrpc.SERVICE_NAME)
                        .build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflectionListsTheServicesAndServesTheContract() throws Exception {
    List<ServerReflectionResponse> answers =
        reflect(
            ServerReflectionRequest.newBuilder().setListServices("").build(),
            ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol(SearchServiceGrpc.SERVICE_NAME)
                .build());

    assertThat(answers.get(0).getListServicesResponse().getServiceList())
        .extracting(ServiceResponse::getName)
        .contains(
            SearchServiceGrpc.SERVICE_NAME,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
    List<String> files = new ArrayList<>();
    for (var bytes : answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoList()) {
      files.add(parse(bytes.toByteArray()).getName());
    }
    assertThat(files).contains("enas/v1/search.proto");
  }

  @Test
  void aSpecWrongEverywhereArrivesWithItsDetailsThroughRealTrailers() {
    SearchSpec wrong =
        SearchServiceTest.macro().toBuilder()
            .setChild(ChildSpec.newBuilder().setChannels(-1).setBatchSize(-1).setDropout(-1))
            .setShared(
                TrainingSpec.newBuilder()
                    .setEpochs(-1)
                    .setMomentum(-1)
                    .setLearningRateMax(-1)
                    .setWeightDecay(-1))
            .setController(
                ControllerSpec.newBuilder()
                    .setHiddenSize(-1)
                    .setLearningRate(-1)
                    .setTanhConstant(-1)
                    .setTemperature(-1)
                    .setEntropyWeight(-1)
                    .setBaselineDecay(-1)
                    .setSkipTarget(-1)
                    .setSkipWeight(-1)
                    .setGradientClip(-1)
                    .setAdamBeta2(-1)
                    .setAdamEpsilon(-1)
                    .setInitRange(-1)
                    .setUpdatesPerEpoch(-1)
                    .setChildrenPerUpdate(-1)
                    .setLstmLayers(-1)
                    .setOpTanhReduce(-1))
            .build();

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                SearchServiceGrpc.newBlockingStub(channel)
                    .createSearch(CreateSearchRequest.newBuilder().setSpec(wrong).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    BadRequest details =
        StatusProto.fromThrowable(e).getDetailsList().stream()
            .filter(any -> any.is(BadRequest.class))
            .findFirst()
            .map(
                any -> {
                  try {
                    return any.unpack(BadRequest.class);
                  } catch (InvalidProtocolBufferException ex) {
                    throw new AssertionError(ex);
                  }
                })
            .orElseThrow();
    assertThat(details.getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField)
        .contains("spec.child.channels", "spec.controller.adam_epsilon");
  }

  @Test
  void aWatchStreamsTheWholeSearchOverTheNetwork() {
    String id = backend.newSearch();
    backend.append(id, new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    for (int i = 0; i < 500; i++) {
      backend.append(id, WatchSearchTest.step(i));
    }
    backend.append(id, new SearchEvent.Finished("macro: 0", 0.9, 10, 1));

    List<dev.enas.proto.v1.SearchEvent> events = new ArrayList<>();
    SearchServiceGrpc.newBlockingStub(channel)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);

    assertThat(WatchSearchTest.sequences(events))
        .containsExactlyElementsOf(WatchSearchTest.range(0, 502));
  }

  private static List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests)
      throws Exception {
    List<ServerReflectionResponse> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    synchronized (answers) {
                      answers.add(value);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (ServerReflectionRequest request : requests) {
      out.onNext(request);
    }
    out.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    synchronized (answers) {
      return List.copyOf(answers);
    }
  }

  private static FileDescriptorProto parse(byte[] bytes) throws InvalidProtocolBufferException {
    return FileDescriptorProto.parseFrom(bytes);
  }
}
