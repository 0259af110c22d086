package dev.enas.server.api;

import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.server.security.SearchAdmission;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.UUID;

/** A GrpcServer on the in-process transport over an in-memory backend, with a client channel. */
final class TestServer implements AutoCloseable {
  final InMemorySearchBackend backend;
  final GrpcServer server;
  final ManagedChannel channel;
  final SearchServiceGrpc.SearchServiceBlockingStub blocking;
  final SearchServiceGrpc.SearchServiceStub async;

  private TestServer(InMemorySearchBackend backend, GrpcServer server, ManagedChannel channel) {
    this.backend = backend;
    this.server = server;
    this.channel = channel;
    this.blocking = SearchServiceGrpc.newBlockingStub(channel);
    this.async = SearchServiceGrpc.newStub(channel);
  }

  static TestServer start(int watchBufferCapacity) {
    return start(watchBufferCapacity, 1000);
  }

  static TestServer start(int watchBufferCapacity, int maxActiveSearches) {
    return start(
        new GrpcSettings(2, 2, watchBufferCapacity, Duration.ofSeconds(5)), maxActiveSearches);
  }

  /** A server that admits searches as {@code admission} says. */
  static TestServer start(SearchAdmission admission) {
    return start(new GrpcSettings(2, 2, 1024, Duration.ofSeconds(5), admission), 1000);
  }

  static TestServer start(GrpcSettings settings, int maxActiveSearches) {
    return start(settings, maxActiveSearches, null, java.util.List.of());
  }

  /** A server whose calls pass {@code interceptor} (if any), with further services. */
  static TestServer start(
      GrpcSettings settings,
      int maxActiveSearches,
      io.grpc.ServerInterceptor interceptor,
      java.util.List<io.grpc.BindableService> services) {
    String name = "enas-test-" + UUID.randomUUID();
    InMemorySearchBackend backend = new InMemorySearchBackend(maxActiveSearches);
    try {
      InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
      if (interceptor != null) {
        builder.intercept(interceptor);
      }
      GrpcServer server = GrpcServer.start(builder, backend, settings, services);
      return new TestServer(backend, server, InProcessChannelBuilder.forName(name).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }
}
