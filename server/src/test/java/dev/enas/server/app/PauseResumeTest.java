package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PauseSearch snapshots a running search and stops it; it stays paused across a restart, takes no
 * steps meanwhile, and ResumeSearch continues it from the snapshot to the same end as an
 * uninterrupted run. Bad requests are refused with the canonical codes.
 */
@Tag("slow")
class PauseResumeTest {
  @TempDir Path dir;

  private record Server(EnasServer server, ManagedChannel channel) implements AutoCloseable {
    static Server start(Config config) throws Exception {
      EnasServer server = LoopbackServers.start(config);
      return new Server(server, LoopbackServers.channel(server));
    }

    SearchServiceGrpc.SearchServiceBlockingStub stub() {
      return SearchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    Search get(String id) {
      return stub().getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
    }

    List<SearchEvent> watchAll(String id) {
      List<SearchEvent> events = new ArrayList<>();
      stub()
          .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
          .forEachRemaining(events::add);
      return events;
    }

    @Override
    public void close() throws Exception {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.close();
    }
  }

  private static void create(Server s, String id) {
    s.stub()
        .createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(SpecMapper.toWire(SigtermEndToEndTest.spec()))
                .setSearchId(id)
                .build());
  }

  private static Search pause(Server s, String id) {
    return s.stub().pauseSearch(PauseSearchRequest.newBuilder().setSearchId(id).build());
  }

  private static Search resume(Server s, String id) {
    return s.stub().resumeSearch(ResumeSearchRequest.newBuilder().setSearchId(id).build());
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aPausedSearchStaysPausedAcrossARestartAndResumesToTheUninterruptedEnd() throws Exception {
    List<SearchEvent> reference;
    try (Server s =
        Server.start(LoopbackServers.config(Files.createDirectories(dir.resolve("reference"))))) {
      create(s, "pause-me");
      reference = s.watchAll("pause-me");
      // An ended search cannot be paused; resuming it changes nothing.
      assertThat(code(() -> pause(s, "pause-me"))).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(resume(s, "pause-me").getPaused()).isFalse();
      assertThat(code(() -> pause(s, "no-such-search"))).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(code(() -> pause(s, ""))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(reference).last().matches(SearchEvent::hasFinished, "finished");

    Config config = LoopbackServers.config(Files.createDirectories(dir.resolve("paused")));
    long pausedAt;
    try (Server s = Server.start(config)) {
      create(s, "pause-me");
      Iterator<SearchEvent> stream =
          s.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId("pause-me").build());
      while (stream.hasNext()) {
        SearchEvent e = stream.next();
        if (e.hasChildTrained() && e.getChildTrained().getEpoch() == 2) {
          break;
        }
      }
      assertThat(pause(s, "pause-me").getPaused()).isFalse();
      assertThat(pause(s, "pause-me").getPaused()).as("pausing again").isTrue();
      // The snapshot is written once the step under way ends; then nothing moves.
      Path folder = dir.resolve("paused").resolve("snapshots").resolve("pause-me");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      long count = -1;
      while (System.nanoTime() < deadline) {
        long now = s.get("pause-me").getEventCount();
        if (now == count && newestSnapshotEvents(folder) == now) {
          break;
        }
        count = now;
        Thread.sleep(500);
      }
      pausedAt = s.get("pause-me").getEventCount();
      assertThat(newestSnapshotEvents(folder)).as("the pause's snapshot").isEqualTo(pausedAt);
      assertThat(s.get("pause-me").getState()).isEqualTo(SearchState.SEARCH_STATE_RUNNING);
    }

    try (Server s = Server.start(config)) {
      Search paused = s.get("pause-me");
      assertThat(paused.getPaused()).isTrue();
      assertThat(paused.getEventCount()).isEqualTo(pausedAt);
      Search before = resume(s, "pause-me");
      assertThat(before.getPaused()).isTrue();
      List<SearchEvent> after = s.watchAll("pause-me");
      for (int i = 0; i < after.size(); i++) {
        assertThat(after.get(i).getSequence()).isEqualTo(i);
      }
      assertThat(SearchEvents.withoutClock(after)).isEqualTo(SearchEvents.withoutClock(reference));
      assertThat(s.get("pause-me").getPaused()).isFalse();
      assertThat(s.get("pause-me").getState()).isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
    }
  }

  /** Events before the newest snapshot in {@code folder}; -1 when there is none. */
  private static long newestSnapshotEvents(Path folder) throws Exception {
    if (!Files.isDirectory(folder)) {
      return -1;
    }
    // Read-only: a SnapshotStore here would delete the temporary file of a write under way.
    try (java.util.stream.Stream<Path> files = Files.list(folder)) {
      Path newest =
          files
              .filter(f -> f.getFileName().toString().endsWith(".snap"))
              .max(java.util.Comparator.naturalOrder())
              .orElse(null);
      return newest == null
          ? -1
          : dev.enas.snapshot.SnapshotCodec.decode(Files.readAllBytes(newest)).events();
    }
  }
}
