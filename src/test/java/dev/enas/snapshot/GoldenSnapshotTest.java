package dev.enas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchResult;
import dev.enas.train.SearchRun;
import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Snapshots written by the build that introduced format version 1, committed under
 * src/test/resources, must stay readable: each decodes to the stage it was taken at, re-encodes to
 * the same bytes (while this build writes version 1), and resumes to the result the same search
 * gets when run without a stop in this build.
 *
 * <p>To write them again (only with a new format version, keeping the old files for its reader):
 * run this class with {@code -Denas.writeGolden=true}.
 */
class GoldenSnapshotTest {
  private static final Path RESOURCES = Path.of("test/resources/dev/enas/snapshot");

  /** One committed snapshot: its file, the search it is of, and the boundary it was taken at. */
  private record Golden(String file, SearchSpec spec, SearchRun.Stage stage,
      Predicate<SearchSnapshot.Cursor> at) {}

  private static final List<Golden> GOLDEN = List.of(
      new Golden("macro-controller-training-v1.snap", SearchSpec.smoke("macro", 1),
          SearchRun.Stage.CONTROLLER_TRAINING,
          c -> c.stage() == SearchRun.Stage.CONTROLLER_TRAINING && c.epoch() == 1
              && c.child() == 2),
      new Golden("rnn-final-training-v1.snap", SearchSpec.smoke("rnn", 1),
          SearchRun.Stage.FINAL_TRAINING,
          c -> c.stage() == SearchRun.Stage.FINAL_TRAINING && c.step() == 2));

  @Test
  void theCommittedSnapshotsResumeToTheUninterruptedResult() throws IOException {
    for (Golden g : GOLDEN) {
      byte[] bytes = read(g.file());
      SearchSnapshot snapshot = SnapshotCodec.decode(bytes);
      assertThat(snapshot.cursor().stage()).as(g.file()).isEqualTo(g.stage());
      assertThat(g.at().test(snapshot.cursor())).as(g.file()).isTrue();
      assertThat(SnapshotCodec.encode(snapshot)).as(g.file()).isEqualTo(bytes);

      List<SearchEvent> events = new ArrayList<>();
      SearchResult resumed;
      try (SearchRun run = SearchRun.resume(g.spec(), SearchData.load(g.spec()), snapshot)) {
        while (!run.finished()) {
          run.step(e -> events.add(SearchResumeTest.withoutClock(e)), () -> { });
        }
        resumed = SearchResumeTest.withoutClock(run.result());
      }
      SearchResumeTest.Run straight = SearchResumeTest.run(g.spec(), new TreeSet<>());
      assertThat(resumed.phase()).isEqualTo(Phase.SUCCEEDED);
      assertThat(resumed).as(g.file()).isEqualTo(straight.result());
      // The resumed events are exactly those the uninterrupted run reported after the snapshot.
      List<SearchEvent> after =
          straight.events().subList((int) snapshot.events(), straight.events().size());
      assertThat(events).as(g.file()).isEqualTo(after);
      assertThat(straight.cursors().get((int) snapshot.steps())).isEqualTo(snapshot.cursor());
    }
  }

  /** Writes the golden files; run by hand, see the class comment. */
  @Test
  @EnabledIfSystemProperty(named = "enas.writeGolden", matches = "true")
  void writeGoldenFiles() throws IOException {
    for (Golden g : GOLDEN) {
      try (SearchRun run = SearchRun.start(g.spec(), SearchData.load(g.spec()), System.nanoTime())) {
        while (!g.at().test(run.position())) {
          run.step(e -> { }, () -> { });
        }
        Files.write(RESOURCES.resolve(g.file()), SnapshotCodec.encode(run.snapshot()));
      }
    }
  }

  static byte[] read(String file) throws IOException {
    try (InputStream in = GoldenSnapshotTest.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IOException("no test resource " + file + " beside " + GoldenSnapshotTest.class);
      }
      return in.readAllBytes();
    }
  }
}
