package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.actor.HaltPoint;
import dev.enas.spec.SearchSpec;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL at five points of one search, with nothing to say about it, and
 * started again on the same data directory each time: during shared training, controller training,
 * derivation, a snapshot write (half the temporary file on disk) and the retraining of the derived
 * child. Each start holds the search at its point with {@link HaltPoint} (the server prints a line
 * and blocks there), so the short phases are hit every time. The search finishes: its event log has
 * every sequence number once, the events watchers saw before each kill are the ones it holds after,
 * and the whole log, the derived child and its test accuracy are those of an uninterrupted run with
 * the same seed. The servers are separate processes, as in production.
 */
@Tag("slow")
class KillAndResumeEndToEndTest {
  private static final String ID = "kill-me";

  /**
   * Snapshots at stage boundaries only (the smoke search never reaches the step count), so where
   * each start resumes, and so which snapshot write is the first, does not hang on the clock.
   */
  private static final String NO_TIMED_SNAPSHOTS = "enas.snapshots.every-minutes=0";

  @TempDir Path dir;

  /** The smallest search with every phase: two epochs, controller updates, derivation, retrain. */
  private static SearchSpec spec() {
    return SearchSpec.smoke("macro", 43);
  }

  /** A kill point: where the server halts, and the phase the search is in there. */
  private record Point(String haltAt, Phase phase) {}

  /**
   * Waits for {@code server} to halt at {@code point}, reads every event it has published, and
   * kills it with SIGKILL; answers those events.
   */
  private static List<SearchEvent> haltThenKill(ServerProcess server, Point point, Path snapshots)
      throws Exception {
    List<SearchEvent> seen = new ArrayList<>();
    try {
      server.awaitLine("enas-test: halted at " + point.haltAt());
      // Halted before a step (or in a snapshot write): everything it published is here.
      Search search =
          server.stub().getSearch(GetSearchRequest.newBuilder().setSearchId(ID).build());
      assertThat(search.getPhase()).as("phase at " + point.haltAt()).isEqualTo(point.phase());
      Iterator<SearchEvent> stream =
          server.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId(ID).build());
      while (seen.size() < search.getEventCount()) {
        seen.add(stream.next());
      }
      if (point.haltAt().startsWith("snapshot-write")) {
        assertThat(temporaries(snapshots)).as("the half-written snapshot").hasSize(1);
      } else {
        // Halted between steps: no write under way, and none left over from the kill before
        // (the start removes it).
        assertThat(temporaries(snapshots)).as("temporary snapshot files").isEmpty();
      }
    } finally {
      server.kill();
    }
    assertThat(server.process().exitValue()).isEqualTo(137);
    return seen;
  }

  private static List<Path> temporaries(Path folder) throws Exception {
    if (!Files.exists(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  @Test
  void aSearchKilledAtFivePointsFinishesAsAnUninterruptedOne() throws Exception {
    List<SearchEvent> reference;
    try (ServerProcess server =
        ServerProcess.start(
            Files.createDirectories(dir.resolve("uninterrupted")),
            dir.resolve("uninterrupted.log"),
            NO_TIMED_SNAPSHOTS)) {
      SearchEvents.create(server.stub(), spec(), ID);
      reference = SearchEvents.watchAll(server.stub(), ID);
    }
    assertThat(reference).last().matches(SearchEvent::hasFinished, "finished");

    // In this order each start gets past the point the one before was killed at: a restart
    // resumes from the newest snapshot, written at every stage boundary. The snapshot write is
    // the first after the resume from the start of derivation: the one at its end.
    List<Point> points =
        List.of(
            new Point("shared-training:2", Phase.PHASE_SHARED_TRAINING),
            new Point("controller-training:2", Phase.PHASE_CONTROLLER_TRAINING),
            new Point("deriving:2", Phase.PHASE_DERIVING),
            new Point("snapshot-write:1", Phase.PHASE_DERIVING),
            new Point("final-training:2", Phase.PHASE_FINAL_TRAINING));
    Path data = Files.createDirectories(dir.resolve("killed"));
    Path snapshots = data.resolve("snapshots").resolve(ID);
    List<List<SearchEvent>> seenBeforeKills = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      Point point = points.get(i);
      ServerProcess server =
          ServerProcess.start(
              data,
              dir.resolve("kill-" + i + ".log"),
              NO_TIMED_SNAPSHOTS,
              HaltPoint.PROPERTY + "=" + point.haltAt());
      if (i == 0) {
        SearchEvents.create(server.stub(), spec(), ID);
      }
      seenBeforeKills.add(haltThenKill(server, point, snapshots));
    }

    List<SearchEvent> after;
    try (ServerProcess last =
        ServerProcess.start(data, dir.resolve("last.log"), NO_TIMED_SNAPSHOTS)) {
      after = SearchEvents.watchAll(last.stub(), ID);
    } catch (StatusRuntimeException e) {
      throw new AssertionError(Files.readString(dir.resolve("last.log")), e);
    }

    // Every sequence number once, in order, from 0.
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).getSequence()).isEqualTo(i);
    }
    // What watchers saw before each kill is what the log holds after it, and each start got
    // further than the one before.
    int before = 0;
    for (List<SearchEvent> seen : seenBeforeKills) {
      // Derivation publishes no event before its end, so the kill in the snapshot write at its
      // end may have seen no more than the kill in the middle of it.
      assertThat(seen.size()).isGreaterThanOrEqualTo(before);
      before = seen.size();
      assertThat(SearchEvents.withoutClock(after.subList(0, seen.size())))
          .isEqualTo(SearchEvents.withoutClock(seen));
    }
    // And the whole search is the uninterrupted one's.
    assertThat(SearchEvents.withoutClock(after)).isEqualTo(SearchEvents.withoutClock(reference));
    SearchEvent.Finished finished = after.get(after.size() - 1).getFinished();
    SearchEvent.Finished expected = reference.get(reference.size() - 1).getFinished();
    assertThat(finished.getArchitecture()).isEqualTo(expected.getArchitecture());
    assertThat(Double.doubleToRawLongBits(finished.getTestAccuracy()))
        .isEqualTo(Double.doubleToRawLongBits(expected.getTestAccuracy()));
  }
}
