package dev.enas.snapshot;

import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last few snapshots of one search in a directory of its own, one file per snapshot named by
 * its sequence number (a step count or journal sequence number; higher is newer). A write goes to a
 * temporary file that is forced to disk and then renamed over its final name atomically, and the
 * directory is forced too, so a crash leaves either the old set of files or the new one, never a
 * half-written snapshot under a final name; temporaries a crash left behind are removed. Reading
 * takes the newest snapshot that decodes, falling back past corrupt or truncated ones, and reports
 * which it used and what it skipped.
 *
 * <p>One writer per directory; not thread-safe.
 */
public final class SnapshotStore {
  private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);
  private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.snap");
  private static final String TEMPORARY = ".tmp";

  private final Path directory;
  private final int keep;
  private final Runnable midWrite;

  /** A snapshot file that was passed over, and why. */
  public record Rejected(Path file, String reason) {}

  /**
   * The snapshot a read returned: its sequence number and file, and the newer files it skipped
   * (empty when the newest was sound).
   */
  public record Loaded(SearchSnapshot snapshot, long sequence, Path file, List<Rejected> skipped) {
    public Loaded {
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * A store in {@code directory} (created if missing) that keeps the newest {@code keep} snapshots;
   * temporaries left by an earlier crash are deleted now.
   *
   * @throws IllegalArgumentException if {@code keep} is below 1
   */
  public SnapshotStore(Path directory, int keep) throws IOException {
    this(directory, keep, () -> {});
  }

  /**
   * As {@link #SnapshotStore(Path, int)}, with {@code midWrite} run halfway through writing each
   * snapshot's temporary file: where a test kills the process to leave a half-written one.
   */
  public SnapshotStore(Path directory, int keep, Runnable midWrite) throws IOException {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1 snapshot, was " + keep);
    }
    this.directory = directory;
    this.keep = keep;
    this.midWrite = java.util.Objects.requireNonNull(midWrite, "midWrite");
    Files.createDirectories(directory);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + TEMPORARY)) {
      for (Path orphan : files) {
        log.info("removing {}, a snapshot write that did not finish", orphan);
        Files.deleteIfExists(orphan);
      }
    }
  }

  public Path directory() {
    return directory;
  }

  /**
   * Writes {@code snapshot} as number {@code sequence} atomically and durably, then deletes all but
   * the newest {@code keep}; returns the file.
   */
  public Path write(long sequence, SearchSnapshot snapshot) throws IOException {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must be >= 0, was " + sequence);
    }
    byte[] bytes = SnapshotCodec.encode(snapshot);
    Path target = directory.resolve(String.format("snapshot-%020d.snap", sequence));
    Path temporary = directory.resolve(target.getFileName() + TEMPORARY);
    try (FileChannel channel =
        FileChannel.open(
            temporary,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer first = ByteBuffer.wrap(bytes, 0, bytes.length / 2);
      while (first.hasRemaining()) {
        channel.write(first);
      }
      midWrite.run();
      ByteBuffer rest = ByteBuffer.wrap(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
      while (rest.hasRemaining()) {
        channel.write(rest);
      }
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    try {
      Files.move(
          temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temporary);
      throw new IOException(
          "the file system of "
              + directory
              + " cannot rename atomically, so snapshots there could be left half-written",
          e);
    }
    forceDirectory();
    prune();
    return target;
  }

  /** Sequence numbers of the snapshot files present, oldest first. */
  public List<Long> sequences() throws IOException {
    List<Long> out = new ArrayList<>();
    for (Path file : files()) {
      out.add(sequenceOf(file));
    }
    return out;
  }

  /**
   * The newest snapshot that reads and decodes, with the newer ones it skipped; empty when the
   * directory holds no snapshot.
   *
   * @throws SnapshotFormatException if there are snapshot files but none can be read; the message
   *     names each with its fault
   */
  public Optional<Loaded> readNewest() throws IOException {
    return readNewest(snapshot -> true);
  }

  /**
   * The newest snapshot that reads, decodes and is {@code usable}, with the newer ones it skipped
   * because they could not be read; empty when no file holds a usable snapshot. A sound snapshot
   * that is not usable (say, one ahead of what the caller's journal holds) is passed over without
   * counting as a fault.
   *
   * @throws SnapshotFormatException if there are snapshot files but none can be read
   */
  public Optional<Loaded> readNewest(Predicate<SearchSnapshot> usable) throws IOException {
    List<Path> files = files();
    List<Rejected> skipped = new ArrayList<>();
    boolean sound = false;
    for (int i = files.size() - 1; i >= 0; i--) {
      Path file = files.get(i);
      try {
        SearchSnapshot snapshot = SnapshotCodec.decode(Files.readAllBytes(file));
        sound = true;
        if (!usable.test(snapshot)) {
          continue;
        }
        if (!skipped.isEmpty()) {
          log.warn("resuming from {}: newer snapshots could not be read: {}", file, skipped);
        }
        return Optional.of(new Loaded(snapshot, sequenceOf(file), file, skipped));
      } catch (SnapshotFormatException | NoSuchFileException e) {
        skipped.add(new Rejected(file, e.getMessage()));
      }
    }
    if (!skipped.isEmpty() && !sound) {
      throw new SnapshotFormatException("no snapshot in " + directory + " can be read: " + skipped);
    }
    return Optional.empty();
  }

  private void prune() throws IOException {
    List<Path> files = files();
    for (int i = 0; i < files.size() - keep; i++) {
      Files.deleteIfExists(files.get(i));
    }
  }

  /** Snapshot files (not temporaries), oldest first. */
  private List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(directory, "snapshot-*.snap")) {
      for (Path file : all) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        // Twenty digits can exceed a long: such a name is not one this store wrote.
        if (m.matches() && m.group(1).compareTo("09223372036854775807") <= 0) {
          out.add(file);
        }
      }
    }
    out.sort(Comparator.comparingLong(SnapshotStore::sequenceOf));
    return out;
  }

  private static long sequenceOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a snapshot file name: " + file);
    }
    return Long.parseLong(m.group(1));
  }

  /** Makes the rename itself durable: on Linux a directory is forced through a read channel. */
  private void forceDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the rename is then as durable as they make it.
      log.debug("cannot force directory {}: {}", directory, e.toString());
    }
  }
}
