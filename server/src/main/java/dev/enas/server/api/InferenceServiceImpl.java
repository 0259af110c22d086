package dev.enas.server.api;

import static dev.enas.server.domain.SearchBackendException.quote;

import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.InferParameter;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.ModelReadyResponse;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.inference.ServerLiveRequest;
import dev.enas.proto.inference.ServerLiveResponse;
import dev.enas.proto.inference.ServerMetadataRequest;
import dev.enas.proto.inference.ServerMetadataResponse;
import dev.enas.proto.inference.ServerReadyRequest;
import dev.enas.proto.inference.ServerReadyResponse;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchBackendException.FailedPrecondition;
import dev.enas.server.domain.SearchBackendException.InvalidArgument;
import dev.enas.server.domain.SearchBackendException.NotFound;
import dev.enas.server.domain.SearchBackendException.ResourceExhausted;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.serving.ModelSession;
import dev.enas.server.serving.ModelVersion;
import dev.enas.server.serving.ServedModel;
import dev.enas.server.serving.Tensor;
import dev.enas.server.serving.TensorSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * {@code inference.GRPCInferenceService}, the Open Inference Protocol (KServe v2), over the models
 * of a {@link ModelRepository}. Every handler runs on the transport thread that read the request
 * ({@link GrpcServer.OnTransportThread}): health and metadata are lookups, and ModelInfer either
 * runs a small request there at once or hands it on. At most {@code threads} inferences run at a
 * time. A request of at most {@code inlineMaxBytes} that finds one of those slots free (and no
 * request of the pool waiting for one) runs on the transport thread, which spares a batch of one
 * the two thread hand-offs (there and back) that cost as much as a small model's inference; any
 * other waits for a thread of the inference pool in a bounded queue, so that heavy inference
 * neither holds up the transport nor queues without bound: a full queue is RESOURCE_EXHAUSTED at
 * once.
 *
 * <p>Errors follow {@link Statuses}: INVALID_ARGUMENT naming the request field, NOT_FOUND for an
 * unknown model or version, FAILED_PRECONDITION for a version whose file could not be loaded. Owns
 * the inference threads; {@link #close()} stops them.
 */
public final class InferenceServiceImpl
    extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase
    implements GrpcServer.OnTransportThread, AutoCloseable {
  /** The server name that ServerMetadata reports. */
  public static final String SERVER_NAME = "enas";

  /** The platform of every model: Triton's name for ONNX models run by ONNX Runtime. */
  public static final String PLATFORM = "onnxruntime_onnx";

  /** This server's own protocol extensions; see the .proto's ServerMetadataResponse. */
  public static final List<String> EXTENSIONS =
      List.of("enas_model_parameters", "enas_model_ready_reason");

  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
  private static final int NAMES_IN_MESSAGE = 10;

  private final ModelRepository repository;
  private final String serverVersion;
  private final int queue;
  private final int inlineMaxBytes;
  private final Semaphore slots;
  private final LongAdder onTransport = new LongAdder();
  private final LongAdder onPool = new LongAdder();
  private final ThreadPoolExecutor inference;
  private volatile boolean stopping;

  /**
   * @param threads inference requests that run at once
   * @param queue inference requests that may wait for a thread
   * @param inlineMaxBytes the largest request (serialized size) that may run on the transport
   *     thread; 0 for none
   * @param serverVersion the build version that ServerMetadata reports
   */
  public InferenceServiceImpl(
      ModelRepository repository,
      int threads,
      int queue,
      int inlineMaxBytes,
      String serverVersion) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.serverVersion = Objects.requireNonNull(serverVersion, "serverVersion");
    this.queue = queue;
    this.inlineMaxBytes = inlineMaxBytes;
    // Fair, and taken without barging below: a stream of small requests never starves the
    // requests that wait on the pool for a slot.
    this.slots = new Semaphore(threads, true);
    BlockingQueue<Runnable> waiting =
        queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
    AtomicInteger count = new AtomicInteger();
    this.inference =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            waiting,
            runnable -> {
              Thread thread = new Thread(runnable, "enas-infer-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> response) {
    response.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    response.onCompleted();
  }

  @Override
  public void serverReady(
      ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
    response.onNext(
        ServerReadyResponse.newBuilder().setReady(!stopping && repository.ready()).build());
    response.onCompleted();
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> response) {
    response.onNext(
        ServerMetadataResponse.newBuilder()
            .setName(SERVER_NAME)
            .setVersion(serverVersion)
            .addAllExtensions(EXTENSIONS)
            .build());
    response.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
    guard(
        response,
        () -> {
          ModelVersion version =
              resolve(request.getName(), request.getVersion(), "name", "version").version();
          response.onNext(
              ModelReadyResponse.newBuilder()
                  .setReady(version.ready())
                  .setReason(version.reason())
                  .build());
          response.onCompleted();
        });
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
    guard(
        response,
        () -> {
          response.onNext(metadata(request));
          response.onCompleted();
        });
  }

  private ModelMetadataResponse metadata(ModelMetadataRequest request) {
    Resolved resolved = resolve(request.getName(), request.getVersion(), "name", "version");
    ModelVersion version = requireReady(resolved.version());
    ModelMetadataResponse.Builder out =
        ModelMetadataResponse.newBuilder().setName(version.model()).setPlatform(PLATFORM);
    resolved.model().readyVersions().forEach(number -> out.addVersions(Long.toString(number)));
    version.inputs().forEach(tensor -> out.addInputs(toWire(tensor)));
    version.outputs().forEach(tensor -> out.addOutputs(toWire(tensor)));
    new TreeMap<>(version.parameters())
        .forEach(
            (key, value) ->
                out.putParameters(key, InferParameter.newBuilder().setStringParam(value).build()));
    return out.build();
  }

  /**
   * The models for the HTTP adapter: the same resolution, checks and sessions as the RPCs, and
   * inference on the same pool, bounded by the same slots and queue, so the dashboard's requests
   * compete fairly with gRPC ones. They are not counted in the per-transport counters, which count
   * gRPC requests.
   */
  public ModelAccess access() {
    return new ModelAccess() {
      @Override
      public List<String> names() {
        return repository.modelNames().stream().sorted().toList();
      }

      @Override
      public CompletionStage<ModelMetadataResponse> metadata(String name) {
        try {
          return CompletableFuture.completedFuture(
              InferenceServiceImpl.this.metadata(
                  ModelMetadataRequest.newBuilder().setName(name).build()));
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(domain(e, name));
        }
      }

      @Override
      public String notReadyReason(String name) {
        return repository
            .model(name)
            .map(model -> model.defaultVersion().reason())
            .orElse("no such model");
      }

      @Override
      public CompletionStage<ModelInferResponse> infer(ModelInferRequest request) {
        CompletableFuture<ModelInferResponse> answer = new CompletableFuture<>();
        if (stopping) {
          answer.completeExceptionally(
              new FailedPrecondition("server", "the server is shutting down"));
          return answer;
        }
        try {
          inference.execute(
              () -> {
                slots.acquireUninterruptibly();
                try {
                  answer.complete(InferenceServiceImpl.this.infer(request));
                } catch (RuntimeException e) {
                  answer.completeExceptionally(domain(e, request.getModelName()));
                } finally {
                  slots.release();
                }
              });
        } catch (RejectedExecutionException e) {
          answer.completeExceptionally(
              new ResourceExhausted("queued inference requests", queue, "enas.serving.queue"));
        }
        return answer;
      }
    };
  }

  /** A refusal as the domain exception of the same meaning; gRPC statuses as preconditions. */
  private static RuntimeException domain(RuntimeException e, String model) {
    if (e instanceof SearchBackendException) {
      return e;
    }
    if (e instanceof StatusRuntimeException status) {
      String description = status.getStatus().getDescription();
      return new FailedPrecondition(
          "models/" + model,
          description == null ? status.getStatus().getCode().toString() : description);
    }
    return e;
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
    if (request.getSerializedSize() <= inlineMaxBytes && !stopping && freeSlot()) {
      try {
        onTransport.increment();
        answer(request, response);
      } finally {
        slots.release();
      }
      return;
    }
    ServerCallStreamObserver<ModelInferResponse> call =
        (ServerCallStreamObserver<ModelInferResponse>) response;
    try {
      inference.execute(
          () -> {
            if (call.isCancelled()) {
              return;
            }
            slots.acquireUninterruptibly();
            try {
              onPool.increment();
              answer(request, response);
            } finally {
              slots.release();
            }
          });
    } catch (RejectedExecutionException e) {
      response.onError(
          stopping
              ? Status.UNAVAILABLE
                  .withDescription("the server is shutting down")
                  .asRuntimeException()
              : Statuses.toStatus(
                  new ResourceExhausted("queued inference requests", queue, "enas.serving.queue")));
    }
  }

  /** Takes a slot if one is free and no pooled request is waiting for one. */
  private boolean freeSlot() {
    try {
      // Unlike tryAcquire(), a zero timeout honours the semaphore's fairness.
      return slots.tryAcquire(0, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void answer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
    guard(
        response,
        () -> {
          response.onNext(infer(request));
          response.onCompleted();
        });
  }

  /** ModelInfer requests run so far on the transport thread that read them. */
  public long inferencesOnTransportThread() {
    return onTransport.sum();
  }

  /** ModelInfer requests run so far on the inference pool. */
  public long inferencesOnPool() {
    return onPool.sum();
  }

  /**
   * ServerReady answers false from now on, while running requests finish: what a load balancer
   * needs to move traffic away before the server stops.
   */
  public void beginShutdown() {
    stopping = true;
  }

  /** Refuses new inference requests and waits briefly for running ones. */
  @Override
  public void close() {
    stopping = true;
    inference.shutdown();
    try {
      if (!inference.awaitTermination(10, TimeUnit.SECONDS)) {
        inference.shutdownNow();
      }
    } catch (InterruptedException e) {
      inference.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private ModelInferResponse infer(ModelInferRequest request) {
    Resolved resolved =
        resolve(request.getModelName(), request.getModelVersion(), "model_name", "model_version");
    ModelVersion version = requireReady(resolved.version());
    InferRequests.Prepared prepared =
        InferRequests.prepare(request, version, resolved.model().maxBatch());
    ModelSession session =
        version
            .acquire()
            .orElseThrow(
                () ->
                    Status.UNAVAILABLE
                        .withDescription(
                            version + " was unloaded while the request waited; send it again")
                        .asRuntimeException());
    try (session) {
      Map<String, Tensor> results = session.run(prepared.inputs(), prepared.outputs());
      ModelInferResponse.Builder out =
          ModelInferResponse.newBuilder()
              .setModelName(version.model())
              .setModelVersion(Long.toString(version.version()))
              .setId(request.getId());
      results.forEach(
          (name, tensor) -> {
            ModelInferResponse.InferOutputTensor.Builder output =
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(name)
                    .setDatatype(tensor.datatype());
            for (long dim : tensor.shape()) {
              output.addShape(dim);
            }
            out.addOutputs(output);
            out.addRawOutputContents(
                tensor.isFloats()
                    ? RawContents.ofFloats(tensor.floats())
                    : RawContents.ofLongs(tensor.longs()));
          });
      return out.build();
    }
  }

  /** A model and the version a request names, or its default version. */
  private record Resolved(ServedModel model, ModelVersion version) {}

  private Resolved resolve(String name, String version, String nameField, String versionField) {
    if (name.isEmpty()) {
      throw new InvalidArgument(nameField, "is required");
    }
    ServedModel model =
        repository
            .model(name)
            .orElseThrow(
                () -> {
                  List<String> names = repository.modelNames();
                  String known =
                      names.isEmpty()
                          ? "the repository holds no models"
                          : "the models are "
                              + names.subList(0, Math.min(names.size(), NAMES_IN_MESSAGE))
                              + (names.size() > NAMES_IN_MESSAGE
                                  ? " and " + (names.size() - NAMES_IN_MESSAGE) + " more"
                                  : "");
                  return new NotFound(
                      "inference.Model",
                      name,
                      "no model has " + nameField + " " + quote(name) + "; " + known);
                });
    if (version.isEmpty()) {
      return new Resolved(model, model.defaultVersion());
    }
    if (!VERSION.matcher(version).matches()) {
      throw new InvalidArgument(
          versionField,
          "must be a version number such as 1, or empty for"
              + " the model's default version; was "
              + quote(version));
    }
    ModelVersion found = model.versions().get(Long.parseLong(version));
    if (found == null) {
      throw new NotFound(
          "inference.ModelVersion",
          name + "/" + version,
          "model "
              + quote(name)
              + " has no "
              + versionField
              + " "
              + version
              + "; its versions are "
              + model.versions().keySet());
    }
    return new Resolved(model, found);
  }

  private static ModelVersion requireReady(ModelVersion version) {
    if (!version.ready()) {
      throw new FailedPrecondition(
          "models/" + version.model() + "/versions/" + version.version(),
          version + " is not ready: " + version.reason());
    }
    return version;
  }

  private static ModelMetadataResponse.TensorMetadata toWire(TensorSpec tensor) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(tensor.name())
        .setDatatype(tensor.datatype())
        .addAllShape(tensor.shape())
        .build();
  }

  /** Runs a handler body, turning anything it throws into a status instead of a thrown error. */
  private static void guard(StreamObserver<?> response, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      response.onError(Statuses.toStatus(e));
    }
  }
}
