package dev.enas.server.api;

import dev.enas.server.security.SearchAdmission;
import java.time.Duration;
import java.util.Objects;

/**
 * How the gRPC server runs. Immutable and checked on construction, so a bad value fails at start
 * with its name rather than as odd behaviour under load.
 *
 * @param handlerThreads threads that run RPC handlers; handlers never block, so a few suffice
 * @param deliveryThreads threads that push events to WatchSearch streams, shared by all watchers
 * @param watchBufferCapacity events a watcher may fall behind a search before it is cut with
 *     RESOURCE_EXHAUSTED and a resume point
 * @param shutdownGrace how long shutdown waits for running calls before cancelling them
 * @param admission what a new search must pass (data roots); embedded data only by default
 */
public record GrpcSettings(
    int handlerThreads,
    int deliveryThreads,
    int watchBufferCapacity,
    Duration shutdownGrace,
    SearchAdmission admission) {

  public GrpcSettings {
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(admission, "admission");
    if (handlerThreads < 1 || handlerThreads > 256) {
      throw new IllegalArgumentException("handlerThreads must be in 1..256, was " + handlerThreads);
    }
    if (deliveryThreads < 1 || deliveryThreads > 256) {
      throw new IllegalArgumentException(
          "deliveryThreads must be in 1..256, was " + deliveryThreads);
    }
    if (watchBufferCapacity < 1 || watchBufferCapacity > 1_000_000) {
      throw new IllegalArgumentException(
          "watchBufferCapacity must be in 1..1000000, was " + watchBufferCapacity);
    }
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException(
          "shutdownGrace must not be negative, was " + shutdownGrace);
    }
  }

  /** Settings with the default admission: embedded data sets only. */
  public GrpcSettings(
      int handlerThreads, int deliveryThreads, int watchBufferCapacity, Duration shutdownGrace) {
    this(
        handlerThreads,
        deliveryThreads,
        watchBufferCapacity,
        shutdownGrace,
        SearchAdmission.defaults());
  }

  /**
   * Values for a small server: 4 handler and 2 delivery threads, watchers cut 4096 events behind
   * (minutes of a CPU search, seconds of a fast GPU one), 10 seconds to drain on shutdown.
   */
  public static GrpcSettings defaults() {
    return new GrpcSettings(4, 2, 4096, Duration.ofSeconds(10));
  }

  /** The same settings with another watcher buffer. */
  public GrpcSettings withWatchBufferCapacity(int capacity) {
    return new GrpcSettings(handlerThreads, deliveryThreads, capacity, shutdownGrace, admission);
  }

  /** The same settings with another admission. */
  public GrpcSettings withAdmission(SearchAdmission other) {
    return new GrpcSettings(
        handlerThreads, deliveryThreads, watchBufferCapacity, shutdownGrace, other);
  }
}
