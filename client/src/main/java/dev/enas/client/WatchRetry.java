package dev.enas.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a watch reconnects after a transient failure (UNAVAILABLE, or a cut
 * with a resume point). Only failures in a row count: every delivered event resets the count, so a
 * long watch survives any number of separate interruptions.
 *
 * @param maxAttempts reconnections in a row without a delivered event before the watch gives up
 * @param initialBackoff wait before the second reconnection in a row; a first cut with a resume
 *     point reconnects at once
 * @param maxBackoff cap of the doubling wait
 */
public record WatchRetry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  /** Eight attempts, waiting from 250 ms up to 10 s: about half a minute of a server restart. */
  public static final WatchRetry DEFAULT =
      new WatchRetry(8, Duration.ofMillis(250), Duration.ofSeconds(10));

  /** Never reconnect: the first interruption ends the watch with its error. */
  public static final WatchRetry NEVER = new WatchRetry(0, Duration.ZERO, Duration.ZERO);

  public WatchRetry {
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts must be >= 0, was " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialBackoff <= maxBackoff, was " + initialBackoff + " and " + maxBackoff);
    }
  }

  /**
   * Wait before reconnection number {@code attempt} (from 0) of a run of failures: doubling from
   * {@code initialBackoff}, capped, with up to 20% jitter so that the watchers of a restarted
   * server do not all reconnect in the same instant.
   */
  Duration backoff(int attempt) {
    long base = initialBackoff.toMillis();
    long cap = maxBackoff.toMillis();
    long wait = base;
    for (int i = 0; i < attempt && wait < cap; i++) {
      wait *= 2;
    }
    wait = Math.min(wait, cap);
    double jitter = 0.8 + 0.2 * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.round(wait * jitter));
  }
}
