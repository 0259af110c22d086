package dev.enas.server.actor;

import com.typesafe.config.Config;
import dev.enas.data.DataRoots;
import dev.enas.train.DevicePool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The actor side's settings, read from the {@code enas} section of the configuration.
 *
 * @param maxConcurrentSearches searches that may be running (not yet ended) at once; the next
 *     create is refused with RESOURCE_EXHAUSTED
 * @param stepTimeout how long one step may take inside a search, queueing on the device included
 * @param askTimeout how long an API call waits for the actors
 * @param intraOpThreads PyTorch's intra-op threads for every search; the same seed repeats a search
 *     bit for bit only at the same count
 * @param dataRoots the folders searches may read data sets from
 * @param devices where each search's networks are placed ({@code enas.device})
 */
public record ServerSettings(
    int maxConcurrentSearches,
    Duration stepTimeout,
    Duration askTimeout,
    int intraOpThreads,
    DataRoots dataRoots,
    DevicePool devices) {
  /** Dispatcher of the single thread that runs all DJL work of the device. */
  public static final String DEVICE_DISPATCHER = "enas.device-dispatcher";

  /** Dispatcher for actors that may block (data loading, waiting for prepared batches). */
  public static final String BLOCKING_DISPATCHER = "enas.blocking-dispatcher";

  public ServerSettings {
    Objects.requireNonNull(dataRoots, "dataRoots");
    Objects.requireNonNull(devices, "devices");
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

  /** Settings whose searches run on the CPU. */
  public ServerSettings(
      int maxConcurrentSearches,
      Duration stepTimeout,
      Duration askTimeout,
      int intraOpThreads,
      DataRoots dataRoots) {
    this(
        maxConcurrentSearches,
        stepTimeout,
        askTimeout,
        intraOpThreads,
        dataRoots,
        DevicePool.cpu());
  }

  /** Settings whose searches may read only the embedded data sets. */
  public ServerSettings(
      int maxConcurrentSearches, Duration stepTimeout, Duration askTimeout, int intraOpThreads) {
    this(maxConcurrentSearches, stepTimeout, askTimeout, intraOpThreads, DataRoots.none());
  }

  /** Settings with one intra-op thread, the count searches reproduce at. */
  public ServerSettings(int maxConcurrentSearches, Duration stepTimeout, Duration askTimeout) {
    this(maxConcurrentSearches, stepTimeout, askTimeout, 1);
  }

  /** The same settings with other data roots. */
  public ServerSettings withDataRoots(DataRoots roots) {
    return new ServerSettings(
        maxConcurrentSearches, stepTimeout, askTimeout, intraOpThreads, roots, devices);
  }

  /**
   * Reads {@code max-concurrent-searches}, {@code step-timeout}, {@code ask-timeout}, {@code
   * intra-op-threads}, {@code data.roots} (empty: {@code <data-dir>/datasets}) and {@code device},
   * which loads the PyTorch engine to see its GPUs.
   *
   * @throws IllegalArgumentException if a value is out of range, or {@code device} asks for a GPU
   *     the engine does not offer
   */
  public static ServerSettings fromConfig(Config enas) {
    return new ServerSettings(
        enas.getInt("max-concurrent-searches"),
        enas.getDuration("step-timeout"),
        enas.getDuration("ask-timeout"),
        enas.getInt("intra-op-threads"),
        dataRoots(enas),
        DevicePool.fromSetting(enas.getString("device"), "enas.device"));
  }

  /** {@code enas.data.roots}, or {@code <data-dir>/datasets} when the list is empty. */
  public static DataRoots dataRoots(Config enas) {
    List<Path> roots = new ArrayList<>();
    for (String root : enas.getStringList("data.roots")) {
      if (root.isBlank()) {
        throw new IllegalArgumentException("enas.data.roots must not hold an empty path");
      }
      roots.add(Path.of(root));
    }
    if (roots.isEmpty()) {
      roots.add(Path.of(enas.getString("data-dir"), "datasets"));
    }
    return DataRoots.of(roots);
  }
}
