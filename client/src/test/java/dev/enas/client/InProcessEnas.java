package dev.enas.client;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FakeSearchService} and a {@link FakeInferenceService} on an in-process server, and
 * clients of it.
 */
public final class InProcessEnas implements AutoCloseable {
  /** Retries fast enough for tests, and few enough that giving up is quick. */
  public static final WatchRetry FAST_RETRY =
      new WatchRetry(3, Duration.ofMillis(1), Duration.ofMillis(5));

  public final FakeSearchService service = new FakeSearchService();
  public final FakeInferenceService inference = new FakeInferenceService();

  /** The HTTP port the fake names in its response headers, as an enas server does; null: none. */
  public volatile String httpPort;

  /** The authorization header of the latest call, null when it had none. */
  public volatile String lastAuthorization;

  private static final io.grpc.Metadata.Key<String> AUTHORIZATION =
      io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
  private static final io.grpc.Metadata.Key<String> HTTP_PORT =
      io.grpc.Metadata.Key.of("enas-http-port", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
  private final String name = InProcessServerBuilder.generateName();
  private final Server server;

  public InProcessEnas() {
    try {
      server =
          InProcessServerBuilder.forName(name)
              .addService(service)
              .addService(inference)
              .intercept(
                  new io.grpc.ServerInterceptor() {
                    @Override
                    public <ReqT, RespT> io.grpc.ServerCall.Listener<ReqT> interceptCall(
                        io.grpc.ServerCall<ReqT, RespT> call,
                        io.grpc.Metadata headers,
                        io.grpc.ServerCallHandler<ReqT, RespT> next) {
                      lastAuthorization = headers.get(AUTHORIZATION);
                      return next.startCall(
                          new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                            @Override
                            public void sendHeaders(io.grpc.Metadata responseHeaders) {
                              String port = httpPort;
                              if (port != null) {
                                responseHeaders.put(HTTP_PORT, port);
                              }
                              super.sendHeaders(responseHeaders);
                            }
                          },
                          headers);
                    }
                  })
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client of the fake that sends {@code token}. */
  public EnasClient client(String token) {
    return EnasClient.builder()
        .channel(InProcessChannelBuilder.forName(name).build())
        .token(token)
        .callTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** A new client of the fake, with fast watch retries; closing it leaves the server up. */
  public EnasClient client() {
    return EnasClient.builder()
        .channel(InProcessChannelBuilder.forName(name).build())
        .watchRetry(FAST_RETRY)
        .callTimeout(Duration.ofSeconds(10))
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
