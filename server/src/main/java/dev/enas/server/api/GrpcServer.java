package dev.enas.server.api;

import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.server.domain.SearchBackend;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gRPC server: the search service and any further services (model inference), {@code
 * grpc.health.v1} health and server reflection (so grpcurl needs no .proto files), on whatever
 * transport the given builder makes. Production passes a Netty builder; tests pass an in-process
 * one.
 *
 * <p>Handlers run on a fixed pool rather than gRPC's unbounded default. Its queue is unbounded
 * because grpc-java has no defined behaviour for a rejected task, and handlers never block, so the
 * queue drains as fast as the backend answers. Services marked {@link OnTransportThread} skip the
 * pool: their calls run on the transport thread that read them, which saves a thread hand-off per
 * call (on a small machine a large part of a short call's latency). {@link #close()} shuts down in
 * order: health turns NOT_SERVING, no new calls are accepted, watch streams end with their resume
 * point, running calls get the grace period, then whatever is left is cancelled.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private final Server server;
  private final SearchServiceImpl searchService;
  private final HealthStatusManager health;
  private final ExecutorService handlers;
  private final ExecutorService delivery;
  private final Duration shutdownGrace;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GrpcServer(
      Server server,
      SearchServiceImpl searchService,
      HealthStatusManager health,
      ExecutorService handlers,
      ExecutorService delivery,
      Duration shutdownGrace) {
    this.server = server;
    this.searchService = searchService;
    this.health = health;
    this.handlers = handlers;
    this.delivery = delivery;
    this.shutdownGrace = shutdownGrace;
  }

  /**
   * Adds the services to the builder, starts the server and reports it SERVING.
   *
   * @throws IOException if the transport cannot start (a port in use, for example)
   */
  public static GrpcServer start(
      ServerBuilder<?> builder, SearchBackend backend, GrpcSettings settings) throws IOException {
    return start(builder, backend, settings, List.of());
  }

  /**
   * Adds the search service and the given services to the builder, starts the server and reports
   * every service SERVING. The caller keeps owning the extra services and closes them after this
   * server.
   *
   * @throws IOException if the transport cannot start (a port in use, for example)
   */
  public static GrpcServer start(
      ServerBuilder<?> builder,
      SearchBackend backend,
      GrpcSettings settings,
      List<? extends BindableService> services)
      throws IOException {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(settings, "settings");
    List<ServerServiceDefinition> extra = new ArrayList<>();
    services.forEach(service -> extra.add(MalformedRequests.refuse(service.bindService())));
    ExecutorService handlers =
        Executors.newFixedThreadPool(settings.handlerThreads(), daemonThreads("enas-grpc-"));
    ExecutorService delivery =
        Executors.newFixedThreadPool(settings.deliveryThreads(), daemonThreads("enas-watch-"));
    SearchServiceImpl searchService =
        new SearchServiceImpl(
            backend, delivery, settings.watchBufferCapacity(), settings.admission());
    HealthStatusManager health = new HealthStatusManager();
    Set<String> onTransport = new HashSet<>();
    for (int i = 0; i < services.size(); i++) {
      if (services.get(i) instanceof OnTransportThread) {
        onTransport.add(extra.get(i).getServiceDescriptor().getName());
      }
    }
    // gRPC finds a call's method on the default executor and only then asks the supplier where
    // the call runs; with the transport thread as the default, the lookup costs no hand-off.
    builder
        .directExecutor()
        .callExecutor(
            new ServerCallExecutorSupplier() {
              @Override
              public <ReqT, RespT> Executor getExecutor(
                  ServerCall<ReqT, RespT> call, Metadata headers) {
                return onTransport.contains(call.getMethodDescriptor().getServiceName())
                    ? null
                    : handlers;
              }
            })
        .addService(MalformedRequests.refuse(searchService.bindService()))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(legacyReflection());
    extra.forEach(builder::addService);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      handlers.shutdownNow();
      delivery.shutdownNow();
      throw e;
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    health.setStatus(SearchServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    extra.forEach(
        service ->
            health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING));
    log.info("gRPC server started on {}", server.getListenSockets());
    return new GrpcServer(
        server, searchService, health, handlers, delivery, settings.shutdownGrace());
  }

  /**
   * A service whose handlers may run on the transport thread that read the call: they never block
   * and finish quickly (or hand longer work to a pool of their own), since calls of the other
   * streams that this thread serves wait while they run.
   */
  public interface OnTransportThread {}

  /** The port the server listens on, or -1 for a transport without one (in-process). */
  public int port() {
    return server.getPort();
  }

  /** The search service, for the open-watch count that monitoring reports. */
  public SearchServiceImpl searchService() {
    return searchService;
  }

  /** Blocks until the server has terminated, which is what a main thread does after start. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Shuts down as the class comment describes; safe to call more than once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    searchService.stopWatches();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after {}; cancelling them", shutdownGrace);
        server.shutdownNow();
        server.awaitTermination(FORCED_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      // Deliveries stop last: the watch streams' final statuses travel through them.
      handlers.shutdownNow();
      delivery.shutdownNow();
    }
  }

  /**
   * The v1alpha reflection service beside v1: grpcurl before 1.8.8 and several GUI clients only
   * speak v1alpha, and the deprecation concerns the protocol version, not its safety.
   */
  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService legacyReflection() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
