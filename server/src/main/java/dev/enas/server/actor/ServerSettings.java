package dev.enas.server.actor;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The actor side's settings, read from the {@code enas} section of the configuration.
 *
 * @param maxConcurrentSearches searches that may be running (not yet ended) at once; the next
 *     create is refused with RESOURCE_EXHAUSTED
 * @param stepTimeout how long one step may take inside a search, queueing on the device included
 * @param askTimeout how long an API call waits for the actors
 */
public record ServerSettings(int maxConcurrentSearches, Duration stepTimeout, Duration askTimeout) {
  /** Dispatcher of the single thread that runs all DJL work of the device. */
  public static final String DEVICE_DISPATCHER = "enas.device-dispatcher";
  /** Dispatcher for actors that may block (data loading, waiting for prepared batches). */
  public static final String BLOCKING_DISPATCHER = "enas.blocking-dispatcher";

  public ServerSettings {
    if (maxConcurrentSearches < 1 || maxConcurrentSearches > 1000) {
      throw new IllegalArgumentException(
          "enas.max-concurrent-searches must be in 1..1000, was " + maxConcurrentSearches);
    }
    if (stepTimeout.isNegative() || stepTimeout.isZero()) {
      throw new IllegalArgumentException("enas.step-timeout must be positive, was " + stepTimeout);
    }
    if (askTimeout.isNegative() || askTimeout.isZero()) {
      throw new IllegalArgumentException("enas.ask-timeout must be positive, was " + askTimeout);
    }
  }

  /** Reads {@code max-concurrent-searches}, {@code step-timeout} and {@code ask-timeout}. */
  public static ServerSettings fromConfig(Config enas) {
    return new ServerSettings(enas.getInt("max-concurrent-searches"),
        enas.getDuration("step-timeout"), enas.getDuration("ask-timeout"));
  }
}
