package dev.enas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.spec.ChildSpec;
import dev.enas.spec.ControllerSpec;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Snapshots written by the build that introduced format version 1, committed under
 * src/test/resources, must stay readable: each decodes to the stage it was taken at, re-encodes in
 * this build's format to bytes that read back the same, and resumes to the result the same search
 * gets when run without a stop in this build.
 *
 * <p>To write them again (with a new format version, keeping the old files for its reader, or when
 * a spec's meaning changes, as when the macro search network began to widen at reductions and the
 * macro file was rewritten): run this class's {@code main} with the working directory {@code src}
 * (a method, not a test, so that no test of the suite is ever skipped).
 */
@Tag("slow")
class GoldenSnapshotTest {
  private static final Path RESOURCES = Path.of("test/resources/dev/enas/snapshot");

  /** One committed snapshot: its file, the search it is of, and the boundary it was taken at. */
  private record Golden(
      String file, SearchSpec spec, SearchRun.Stage stage, Predicate<SearchSnapshot.Cursor> at) {}

  private static final List<Golden> GOLDEN =
      List.of(
          new Golden(
              "macro-controller-training-v1.snap",
              SearchSpec.smoke("macro", 1),
              SearchRun.Stage.CONTROLLER_TRAINING,
              c ->
                  c.stage() == SearchRun.Stage.CONTROLLER_TRAINING
                      && c.epoch() == 1
                      && c.child() == 2),
          new Golden(
              "rnn-final-training-v1.snap",
              SearchSpec.smoke("rnn", 1),
              SearchRun.Stage.FINAL_TRAINING,
              c -> c.stage() == SearchRun.Stage.FINAL_TRAINING && c.step() == 2));

  @Test
  void theCommittedSnapshotsResumeToTheUninterruptedResult() throws IOException {
    for (Golden g : GOLDEN) {
      byte[] bytes = read(g.file());
      SearchSnapshot snapshot = SnapshotCodec.decode(bytes);
      assertThat(snapshot.cursor().stage()).as(g.file()).isEqualTo(g.stage());
      assertThat(g.at().test(snapshot.cursor())).as(g.file()).isTrue();
      // Written again in this build's format, it reads back to the same bytes.
      byte[] current = SnapshotCodec.encode(snapshot);
      assertThat(SnapshotCodec.encode(SnapshotCodec.decode(current)))
          .as(g.file())
          .isEqualTo(current);
      assertThat(snapshot.rankChecked()).as(g.file()).isEmpty();

      List<SearchEvent> events = new ArrayList<>();
      SearchResult resumed;
      try (SearchRun run = SearchRun.resume(g.spec(), SearchData.load(g.spec()), snapshot)) {
        while (!run.finished()) {
          run.step(e -> events.add(SearchResumeTest.withoutClock(e)), () -> {});
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

  /**
   * A snapshot resumed with a spec other than its search's is refused with the reason, and nothing
   * of it is left open.
   */
  @Test
  void aSnapshotIsRefusedUnderAnotherSpec() throws IOException {
    SearchSnapshot snapshot = SnapshotCodec.decode(read("macro-controller-training-v1.snap"));
    SearchSpec spec = SearchSpec.smoke("macro", 1);

    SearchSpec otherSeed = SearchSpec.smoke("macro", 2);
    assertThatThrownBy(() -> SearchRun.resume(otherSeed, SearchData.load(otherSeed), snapshot))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seed 1")
        .hasMessageContaining("seed 2");

    ControllerSpec c = spec.controller();
    SearchSpec fewerChildren =
        new SearchSpec(
            spec.space(),
            spec.data(),
            spec.child(),
            spec.shared(),
            new ControllerSpec(
                c.kind(),
                c.hiddenSize(),
                c.lstmLayers(),
                c.learningRate(),
                c.tanhConstant(),
                c.temperature(),
                c.opTanhReduce(),
                c.entropyWeight(),
                c.baselineDecay(),
                c.skipTarget(),
                c.skipWeight(),
                c.gradientClip(),
                c.adamBeta2(),
                c.adamEpsilon(),
                c.initRange(),
                c.updatesPerEpoch(),
                2),
            spec.derive(),
            spec.retrain(),
            spec.seed());
    assertThatThrownBy(
            () -> SearchRun.resume(fewerChildren, SearchData.load(fewerChildren), snapshot))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("controller.childrenPerUpdate = 2");

    ChildSpec wider = new ChildSpec(8, 1, 16, 0);
    SearchSpec otherWidth =
        new SearchSpec(
            spec.space(),
            spec.data(),
            wider,
            spec.shared(),
            spec.controller(),
            spec.derive(),
            spec.retrain(),
            spec.seed());
    assertThatThrownBy(() -> SearchRun.resume(otherWidth, SearchData.load(otherWidth), snapshot))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected WEIGHT");
  }

  /** Writes the golden files; run by hand, see the class comment. */
  public static void main(String[] args) throws IOException {
    for (Golden g : GOLDEN) {
      try (SearchRun run =
          SearchRun.start(g.spec(), SearchData.load(g.spec()), System.nanoTime())) {
        while (!g.at().test(run.position())) {
          run.step(e -> {}, () -> {});
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
