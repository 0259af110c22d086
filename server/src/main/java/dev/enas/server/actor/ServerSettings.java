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
 * @param intraOpThreads PyTorch's intra-op threads for every search; the same seed repeats a
 *     search bit for bit only at the same count
 */
public record ServerSettings(int maxConcurrentSearches, Duration stepTimeout, Duration askTimeout,
    int intraOpThreads) {
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
    if (intraOpThreads < 1 || intraOpThreads > 1024) {
      throw new IllegalArgumentException(
          "enas.intra-op-threads must be in 1..1024, was " + intraOpThreads);
    }
  }

  /** Settings with one intra-op thread, the count searches reproduce at. */
  public ServerSettings(int maxConcurrentSearches, Duration stepTimeout, Duration askTimeout) {
    this(maxConcurrentSearches, stepTimeout, askTimeout, 1);
  }

  /**
   * Reads {@code max-concurrent-searches}, {@code step-timeout}, {@code ask-timeout} and {@code
   * intra-op-threads}.
   */
  public static ServerSettings fromConfig(Config enas) {
    return new ServerSettings(enas.getInt("max-concurrent-searches"),
        enas.getDuration("step-timeout"), enas.getDuration("ask-timeout"),
        enas.getInt("intra-op-threads"));
  }
}
