package dev.enas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store keeps the newest snapshots, leaves no temporary behind, and reads the newest one that
 * is sound, saying which newer files it skipped and why.
 */
class SnapshotStoreTest {
  private static SearchSnapshot golden;

  @TempDir Path dir;

  @BeforeAll
  static void readASnapshot() throws IOException {
    golden = SnapshotCodec.decode(GoldenSnapshotTest.read("macro-controller-training-v1.snap"));
  }

  /** The golden snapshot with {@code seconds} as its elapsed time, to tell the writes apart. */
  private static SearchSnapshot numbered(double seconds) {
    SearchSnapshot s = golden;
    return new SearchSnapshot(
        s.space(),
        s.seed(),
        s.cursor(),
        s.steps(),
        s.events(),
        seconds,
        s.epochSeconds(),
        s.controller(),
        s.sharedModel(),
        s.training(),
        s.validationBatches(),
        s.figures(),
        s.pendingRewards(),
        s.scored(),
        s.top(),
        s.screening(),
        s.retrainer(),
        s.derived(),
        s.retrained(),
        s.plainBaseline(),
        s.rankChecked());
  }

  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void keepsTheNewestAndNoTemporaries() throws IOException {
    SnapshotStore store = new SnapshotStore(dir, 3);
    for (long seq : new long[] {5, 10, 15, 20, 25}) {
      store.write(seq, numbered(seq));
    }
    assertThat(store.sequences()).containsExactly(15L, 20L, 25L);
    assertThat(names()).allMatch(n -> n.endsWith(".snap"));

    SnapshotStore.Loaded newest = store.readNewest().orElseThrow();
    assertThat(newest.sequence()).isEqualTo(25);
    assertThat(newest.skipped()).isEmpty();
    assertThat(newest.snapshot().elapsedSeconds()).isEqualTo(25.0);
    assertThat(SnapshotCodec.encode(newest.snapshot()))
        .isEqualTo(SnapshotCodec.encode(numbered(25)));
  }

  @Test
  void midWriteSeesHalfTheSnapshotInATemporaryThatTheNextStoreRemoves() throws IOException {
    new SnapshotStore(dir, 3).write(1, numbered(1));
    long full = SnapshotCodec.encode(numbered(2)).length;
    long[] halfway = {-1};
    SnapshotStore store =
        new SnapshotStore(
            dir,
            3,
            () -> {
              try (Stream<Path> files = Files.list(dir)) {
                Path temporary =
                    files.filter(f -> f.toString().endsWith(".tmp")).findFirst().orElseThrow();
                halfway[0] = Files.size(temporary);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    store.write(2, numbered(2));
    assertThat(halfway[0]).isEqualTo(full / 2);
    assertThat(store.readNewest().orElseThrow().sequence()).isEqualTo(2);

    // A crash at that point leaves the temporary; the next store removes it and reads the last
    // whole snapshot.
    Path orphan = dir.resolve("snapshot-00000000000000000003.snap.tmp");
    Files.write(orphan, Arrays.copyOf(SnapshotCodec.encode(numbered(3)), (int) full / 2));
    SnapshotStore next = new SnapshotStore(dir, 3);
    assertThat(orphan).doesNotExist();
    assertThat(next.readNewest().orElseThrow().sequence()).isEqualTo(2);
  }

  @Test
  void aTruncatedNewestFallsBackToThePreviousAndSaysSo() throws IOException {
    SnapshotStore store = new SnapshotStore(dir, 3);
    store.write(1, numbered(1));
    store.write(2, numbered(2));
    Path newest = store.write(3, numbered(3));
    byte[] bytes = Files.readAllBytes(newest);
    Files.write(newest, Arrays.copyOf(bytes, bytes.length / 3));

    SnapshotStore.Loaded loaded = store.readNewest().orElseThrow();
    assertThat(loaded.sequence()).isEqualTo(2);
    assertThat(loaded.snapshot().elapsedSeconds()).isEqualTo(2.0);
    assertThat(loaded.skipped())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.file()).isEqualTo(newest);
              assertThat(r.reason()).contains("truncated");
            });
  }

  @Test
  void aCorruptNewestAndPreviousFallBackFurther() throws IOException {
    SnapshotStore store = new SnapshotStore(dir, 3);
    store.write(1, numbered(1));
    Path second = store.write(2, numbered(2));
    Path third = store.write(3, numbered(3));
    for (Path p : List.of(second, third)) {
      byte[] bytes = Files.readAllBytes(p);
      bytes[bytes.length - 10] ^= 1;
      Files.write(p, bytes);
    }
    SnapshotStore.Loaded loaded = store.readNewest().orElseThrow();
    assertThat(loaded.sequence()).isEqualTo(1);
    assertThat(loaded.skipped())
        .extracting(SnapshotStore.Rejected::file)
        .containsExactly(third, second);
    assertThat(loaded.skipped()).allMatch(r -> r.reason().contains("CRC32"));
  }

  @Test
  void soundSnapshotsTheCallerCannotUseArePassedOverWithoutCountingAsFaults() throws IOException {
    SnapshotStore store = new SnapshotStore(dir, 3);
    store.write(1, numbered(1));
    Path second = store.write(2, numbered(2));
    store.write(3, numbered(3));
    byte[] bytes = Files.readAllBytes(second);
    Files.write(second, Arrays.copyOf(bytes, bytes.length / 2));

    // Say a journal that ends before snapshot 3's events: 3 is skipped silently, 2 is corrupt.
    SnapshotStore.Loaded loaded = store.readNewest(s -> s.elapsedSeconds() < 3).orElseThrow();
    assertThat(loaded.sequence()).isEqualTo(1);
    assertThat(loaded.skipped()).extracting(SnapshotStore.Rejected::file).containsExactly(second);
    // Nothing usable, yet some file sound: no snapshot to resume from, not an error.
    assertThat(store.readNewest(s -> false)).isEmpty();
  }

  @Test
  void noReadableSnapshotIsAnErrorNamingEachFile() throws IOException {
    SnapshotStore store = new SnapshotStore(dir, 2);
    Path only = store.write(7, numbered(7));
    Files.write(only, new byte[] {1, 2, 3});
    assertThatThrownBy(store::readNewest)
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining(only.getFileName().toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void anEmptyDirectoryHasNoSnapshot() throws IOException {
    assertThat(new SnapshotStore(dir.resolve("new"), 1).readNewest()).isEqualTo(Optional.empty());
  }

  @Test
  void aWriteACrashInterruptedIsRemovedAndNeverRead() throws IOException {
    SnapshotStore first = new SnapshotStore(dir, 2);
    first.write(1, numbered(1));
    // What a crash between the temporary's write and its rename leaves: a partial temporary.
    byte[] partial = Arrays.copyOf(SnapshotCodec.encode(numbered(2)), 100);
    Files.write(dir.resolve("snapshot-00000000000000000002.snap.tmp"), partial);

    SnapshotStore reopened = new SnapshotStore(dir, 2);
    assertThat(names()).containsExactly("snapshot-00000000000000000001.snap");
    assertThat(reopened.readNewest().orElseThrow().sequence()).isEqualTo(1);
  }

  @Test
  void keepMustBePositive() {
    assertThatThrownBy(() -> new SnapshotStore(dir, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keep");
  }
}
