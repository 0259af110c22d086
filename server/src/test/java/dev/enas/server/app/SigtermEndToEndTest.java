package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.typesafe.config.Config;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.JournalSettings;
import dev.enas.snapshot.SnapshotCodec;
import dev.enas.snapshot.SnapshotStore;
import dev.enas.spec.SearchSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a server process in the middle of a search: open watches end with UNAVAILABLE and
 * their resume point, the running search snapshots itself at its next step boundary, and the
 * process exits 0 within the grace period. The next start resumes the search from that snapshot and
 * it finishes as an uninterrupted run does.
 */
@Tag("slow")
class SigtermEndToEndTest {
  @TempDir Path dir;

  /** The macro smoke search with 12 search epochs: long enough to pause in the middle. */
  static SearchSpec spec() {
    return spec(12);
  }

  /** The macro smoke search with {@code epochs} search epochs. */
  static SearchSpec spec(int epochs) {
    SearchSpec smoke = SearchSpec.smoke("macro", 71);
    return smoke.withSharedLength(epochs, smoke.shared().stepsPerEpoch());
  }

  /**
   * Creates the search with 80 epochs: the server's stop (signal, HTTP and gRPC shutdown) must come
   * well before its end, even on a loaded machine.
   */
  static void create(ServerProcess server, String id) {
    server
        .stub()
        .createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(SpecMapper.toWire(spec(80)))
                .setSearchId(id)
                .build());
  }

  /** The journal entries of one search, read after its server has stopped. */
  static List<JournalEvent> journal(Path dataDir, String id) throws Exception {
    Config config = LoopbackServers.config(dataDir);
    JournalSettings settings = JournalSettings.fromConfig(config.getConfig("enas"));
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "read-journal", settings.applyTo(config));
    try {
      return Journal.of(settings, system)
          .entries(id)
          .toCompletableFuture()
          .get(1, TimeUnit.MINUTES);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void sigtermSnapshotsTheSearchExitsZeroAndTheNextStartFinishesItAsUninterrupted()
      throws Exception {
    List<SearchEvent> reference;
    try (ServerProcess server =
        ServerProcess.start(
            Files.createDirectories(dir.resolve("reference")), dir.resolve("reference.log"))) {
      create(server, "term-me");
      reference = SearchEvents.watchAll(server.stub(), "term-me");
    }
    assertThat(reference).last().matches(SearchEvent::hasFinished, "finished");

    Path data = Files.createDirectories(dir.resolve("terminated"));
    // Snapshots only at stage boundaries: the one the restart uses must be SIGTERM's own.
    String[] properties = {
      "enas.snapshots.every-steps=0", "enas.snapshots.every-minutes=0", "enas.shutdown-grace=60s"
    };
    ServerProcess first = ServerProcess.start(data, dir.resolve("first.log"), properties);
    create(first, "term-me");
    Iterator<SearchEvent> stream =
        first.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId("term-me").build());
    int seen = 0;
    while (stream.hasNext()) {
      SearchEvent e = stream.next();
      seen++;
      // At the fourth epoch's first shared-weight step, past a stage boundary.
      if (e.hasChildTrained() && e.getChildTrained().getEpoch() == 3) {
        break;
      }
    }
    // The rest of the stream is read meanwhile, to see how the server ends it.
    java.util.concurrent.CompletableFuture<Throwable> end =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                catchThrowable(
                    () -> {
                      while (stream.hasNext()) {
                        stream.next();
                      }
                    }));
    int exit = first.terminate(90, TimeUnit.SECONDS);
    assertThat(exit).as(Files.readString(first.log())).isZero();
    assertThat(Files.readString(first.log())).contains("enas server stopped");
    // The watch was ended by the server, telling the client where to resume.
    Throwable cut = end.get(1, TimeUnit.MINUTES);
    first.channel().shutdownNow();
    assertThat(cut).isInstanceOf(StatusRuntimeException.class);
    Status status = ((StatusRuntimeException) cut).getStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("shutting down", "from_sequence=");

    // SIGTERM's snapshot: later than every event the watch saw before the signal.
    SnapshotStore.Loaded newest =
        new SnapshotStore(data.resolve("snapshots").resolve("term-me"), 3)
            .readNewest()
            .orElseThrow();
    long snapshotSequence = newest.snapshot().events();
    assertThat(snapshotSequence).isGreaterThanOrEqualTo(seen);
    assertThat(SnapshotCodec.decode(Files.readAllBytes(newest.file())).cursor().stage().name())
        .isIn("SHARED_TRAINING", "CONTROLLER_TRAINING");

    List<SearchEvent> after;
    try (ServerProcess second = ServerProcess.start(data, dir.resolve("second.log"), properties)) {
      after = SearchEvents.watchAll(second.stub(), "term-me");
    }
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).getSequence()).isEqualTo(i);
    }
    assertThat(SearchEvents.withoutClock(after)).isEqualTo(SearchEvents.withoutClock(reference));
    List<JournalEvent.Restored> restored =
        journal(data, "term-me").stream()
            .filter(JournalEvent.Restored.class::isInstance)
            .map(JournalEvent.Restored.class::cast)
            .toList();
    assertThat(restored)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.sequence()).isEqualTo(snapshotSequence);
              assertThat(r.skipped()).isEmpty();
            });
  }
}
