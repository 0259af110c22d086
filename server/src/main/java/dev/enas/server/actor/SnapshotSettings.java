package dev.enas.server.actor;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * When running searches write their snapshots, and where: {@code <directory>/<search id>/}. A
 * snapshot is due after {@code everySteps} steps or {@code every} of wall time since the last one,
 * whichever comes first, and at every stage boundary; the newest {@code keep} are kept. A restart
 * resumes each unfinished search from its newest usable snapshot instead of from its start.
 *
 * @param directory where the searches' snapshot folders are; null when snapshots are off
 * @param everySteps steps between two snapshots; 0 takes none by step count
 * @param every wall time between two snapshots; zero takes none by time
 * @param keep snapshots kept per search, at least 2 so a corrupt newest one has a predecessor
 */
public record SnapshotSettings(Path directory, long everySteps, Duration every, int keep) {

  /** No snapshots: a restarted search runs again from its start. */
  public static final SnapshotSettings OFF = new SnapshotSettings(null, 0, Duration.ZERO, 2);

  public SnapshotSettings {
    Objects.requireNonNull(every, "every");
    if (everySteps < 0) {
      throw new IllegalArgumentException(
          "enas.snapshots.every-steps must be >= 0 (0: no step trigger), was " + everySteps);
    }
    if (every.isNegative()) {
      throw new IllegalArgumentException(
          "enas.snapshots.every-minutes must be >= 0 (0: no time trigger), was " + every);
    }
    if (keep < 2 || keep > 1000) {
      throw new IllegalArgumentException(
          "enas.snapshots.keep must be in 2..1000 (a corrupt "
              + "newest snapshot needs an older one to fall back to), was "
              + keep);
    }
  }

  /** Whether searches write snapshots at all. */
  public boolean enabled() {
    return directory != null;
  }

  /** The snapshot folder of one search. */
  public Path of(String searchId) {
    return directory.resolve(searchId);
  }

  /**
   * Reads {@code enas.snapshots}: {@code enabled}, {@code directory} (empty: {@code
   * <data-dir>/snapshots}), {@code every-steps}, {@code every-minutes} (a decimal number) and
   * {@code keep}.
   */
  public static SnapshotSettings fromConfig(Config enas) {
    Config c = enas.getConfig("snapshots");
    double minutes = c.getDouble("every-minutes");
    if (!(minutes >= 0) || Double.isInfinite(minutes)) {
      throw new IllegalArgumentException(
          "enas.snapshots.every-minutes must be a number >= 0 (0: no time trigger), was "
              + c.getValue("every-minutes").unwrapped());
    }
    Duration every = Duration.ofMillis(Math.round(minutes * 60_000));
    long everySteps = c.getLong("every-steps");
    int keep = c.getInt("keep");
    if (!c.getBoolean("enabled")) {
      return new SnapshotSettings(null, everySteps, every, keep);
    }
    String dir = c.getString("directory");
    Path directory =
        dir.isBlank() ? Path.of(enas.getString("data-dir")).resolve("snapshots") : Path.of(dir);
    return new SnapshotSettings(directory.toAbsolutePath().normalize(), everySteps, every, keep);
  }
}
