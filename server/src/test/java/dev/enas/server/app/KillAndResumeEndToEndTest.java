package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL in the middle of a search, with nothing to say about it, and
 * started again on the same data directory, twice (during shared training, then during the
 * retraining of the derived child by the restarted server): the search continues and finishes,
 * its event log has every sequence number once, the events a watcher saw before each kill are
 * the ones it sees after, and the derived child and its test accuracy are those of an
 * uninterrupted run with the same seed. The servers are separate processes, as in production.
 */
@Tag("slow")
class KillAndResumeEndToEndTest {
  @TempDir
  Path dir;

  private static SearchSpec spec() {
    return SearchSpec.smoke("macro", 43);
  }

  private static String create(ServerProcess server, String id) {
    return server.stub().createSearch(CreateSearchRequest.newBuilder()
        .setSpec(SpecMapper.toWire(spec())).setSearchId(id).build()).getId();
  }

  private static List<SearchEvent> watchAll(ServerProcess server, String id) {
    List<SearchEvent> events = new ArrayList<>();
    server.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** An event without what a run cannot repeat: its time and the durations it reports. */
  private static SearchEvent withoutClock(SearchEvent e) {
    SearchEvent.Builder b = e.toBuilder().clearTime();
    if (e.hasEpochFinished()) {
      b.setEpochFinished(e.getEpochFinished().toBuilder().clearDuration());
    }
    if (e.hasFinished()) {
      b.setFinished(e.getFinished().toBuilder().clearDuration());
    }
    return b.build();
  }

  private static List<SearchEvent> withoutClock(List<SearchEvent> events) {
    return events.stream().map(KillAndResumeEndToEndTest::withoutClock).toList();
  }

  /**
   * Watches the search from 0 until {@code last} matches an event, then kills the server with
   * SIGKILL; answers the events seen.
   */
  private static List<SearchEvent> watchThenKill(ServerProcess server,
      java.util.function.Predicate<SearchEvent> last) throws InterruptedException {
    List<SearchEvent> seen = new ArrayList<>();
    try {
      Iterator<SearchEvent> stream = server.stub().watchSearch(
          WatchSearchRequest.newBuilder().setSearchId("kill-me").build());
      while (stream.hasNext()) {
        SearchEvent e = stream.next();
        seen.add(e);
        if (last.test(e)) {
          break;
        }
      }
    } finally {
      server.kill();
    }
    assertThat(server.process().exitValue()).isEqualTo(137);
    assertThat(seen).isNotEmpty().last().matches(last::test, "the event to kill at");
    return seen;
  }

  @Test
  void aSearchKilledDuringSharedTrainingAndAgainDuringRetrainingFinishesAsAnUninterruptedOne() throws Exception {
    List<SearchEvent> reference;
    try (ServerProcess server = ServerProcess.start(
        Files.createDirectories(dir.resolve("uninterrupted")), dir.resolve("uninterrupted.log"))) {
      reference = watchAll(server, create(server, "kill-me"));
    }
    assertThat(reference).last().matches(SearchEvent::hasFinished, "finished");

    Path data = Files.createDirectories(dir.resolve("killed"));
    ServerProcess first = ServerProcess.start(data, dir.resolve("first.log"));
    create(first, "kill-me");
    // In the middle of the first epoch's shared-weight steps.
    List<SearchEvent> seenBeforeFirstKill = watchThenKill(first,
        e -> e.hasChildTrained() && e.getChildTrained().getStep() == 1);
    assertThat(seenBeforeFirstKill).last().matches(SearchEvent::hasChildTrained, "a shared step");

    // The restarted server runs the search again; killed once more while it retrains the
    // derived child, past what the first server had journaled.
    ServerProcess second = ServerProcess.start(data, dir.resolve("second.log"));
    List<SearchEvent> seenBeforeSecondKill = watchThenKill(second,
        e -> e.hasFinalTrainingProgress());
    assertThat(seenBeforeSecondKill.size()).isGreaterThan(seenBeforeFirstKill.size());

    List<SearchEvent> after;
    try (ServerProcess third = ServerProcess.start(data, dir.resolve("third.log"))) {
      after = watchAll(third, "kill-me");
    } catch (StatusRuntimeException e) {
      throw new AssertionError(Files.readString(dir.resolve("third.log")), e);
    }

    // What watchers saw before each kill is what the log holds after it.
    assertThat(withoutClock(after.subList(0, seenBeforeFirstKill.size())))
        .isEqualTo(withoutClock(seenBeforeFirstKill));
    assertThat(withoutClock(after.subList(0, seenBeforeSecondKill.size())))
        .isEqualTo(withoutClock(seenBeforeSecondKill));
    // Every sequence number once, in order, from 0.
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).getSequence()).isEqualTo(i);
    }
    // And the whole search is the uninterrupted one's.
    assertThat(withoutClock(after)).isEqualTo(withoutClock(reference));
    SearchEvent.Finished finished = after.get(after.size() - 1).getFinished();
    SearchEvent.Finished expected = reference.get(reference.size() - 1).getFinished();
    assertThat(finished.getArchitecture()).isEqualTo(expected.getArchitecture());
    assertThat(Double.doubleToRawLongBits(finished.getTestAccuracy()))
        .isEqualTo(Double.doubleToRawLongBits(expected.getTestAccuracy()));
  }
}
