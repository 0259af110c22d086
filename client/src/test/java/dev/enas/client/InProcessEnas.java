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
  private final String name = InProcessServerBuilder.generateName();
  private final Server server;

  public InProcessEnas() {
    try {
      server = InProcessServerBuilder.forName(name).addService(service).addService(inference)
          .build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
