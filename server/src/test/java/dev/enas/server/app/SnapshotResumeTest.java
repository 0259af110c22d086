package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.JournalSettings;
import dev.enas.snapshot.SnapshotCodec;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped server's running search resumes from its newest snapshot on the next start, and from
 * the one before when the newest is corrupt, and finishes exactly as an uninterrupted run: the same
 * events after the snapshot (recomputed and compared with the journal, then new), every sequence
 * number once. Where it resumed is in the journal.
 */
@Tag("slow")
class SnapshotResumeTest {
  @TempDir Path dir;

  /** The macro smoke search with 12 search epochs: long enough to stop in the middle. */
  private static SearchSpec spec() {
    SearchSpec smoke = SearchSpec.smoke("macro", 61);
    return smoke.withSharedLength(12, smoke.shared().stepsPerEpoch());
  }

  private static Config config(Path dataDir) {
    return LoopbackServers.config(dataDir)
        .withValue("enas.snapshots.every-steps", ConfigValueFactory.fromAnyRef(3))
        .withValue("enas.snapshots.keep", ConfigValueFactory.fromAnyRef(3));
  }

  private static SearchServiceGrpc.SearchServiceBlockingStub stub(ManagedChannel channel) {
    return SearchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
  }

  private static List<Path> snapshotFiles(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".snap")).sorted().toList();
    }
  }

  @Test
  void aCorruptNewestSnapshotResumesFromTheOneBeforeAndTheSearchEndsAsUninterrupted()
      throws Exception {
    List<SearchEvent> reference;
    Path referenceDir = Files.createDirectories(dir.resolve("reference"));
    try (EnasServer server = LoopbackServers.start(config(referenceDir))) {
      ManagedChannel channel = LoopbackServers.channel(server);
      SearchEvents.create(stub(channel), spec(), "resume-me");
      reference = SearchEvents.watchAll(stub(channel), "resume-me");
      channel.shutdownNow();
    }
    assertThat(reference).last().matches(SearchEvent::hasFinished, "finished");

    Path data = Files.createDirectories(dir.resolve("stopped"));
    Config config = config(data);
    int seen = 0;
    try (EnasServer server = LoopbackServers.start(config)) {
      ManagedChannel channel = LoopbackServers.channel(server);
      SearchEvents.create(stub(channel), spec(), "resume-me");
      Iterator<SearchEvent> stream =
          stub(channel)
              .watchSearch(WatchSearchRequest.newBuilder().setSearchId("resume-me").build());
      while (stream.hasNext()) {
        SearchEvent e = stream.next();
        seen++;
        if (e.hasEpochFinished() && e.getEpochFinished().getEpoch() == 2) {
          break;
        }
      }
      channel.shutdownNow();
    }
    Path folder = data.resolve("snapshots").resolve("resume-me");
    List<Path> files = snapshotFiles(folder);
    assertThat(files).as("snapshots kept").hasSize(3);
    Path newest = files.get(files.size() - 1);
    Path previous = files.get(files.size() - 2);
    long previousSequence = SnapshotCodec.decode(Files.readAllBytes(previous)).events();
    byte[] bytes = Files.readAllBytes(newest);
    Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    List<SearchEvent> after;
    try (EnasServer server = LoopbackServers.start(config)) {
      ManagedChannel channel = LoopbackServers.channel(server);
      after = SearchEvents.watchAll(stub(channel), "resume-me");
      // Once its end is in the journal, a finished search's snapshots are deleted.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (Files.exists(folder) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(folder).doesNotExist();
      channel.shutdownNow();
    }

    assertThat(after.size()).isGreaterThan(seen);
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).getSequence()).isEqualTo(i);
    }
    assertThat(SearchEvents.withoutClock(after)).isEqualTo(SearchEvents.withoutClock(reference));
    // Resumed from the previous snapshot, saying which one it passed over.
    List<JournalEvent.Restored> resumed = resumedEntries(config, "resume-me");
    assertThat(resumed).hasSize(1);
    assertThat(resumed.get(0).sequence()).isEqualTo(previousSequence).isPositive();
    assertThat(resumed.get(0).skipped())
        .singleElement()
        .asString()
        .startsWith(newest.getFileName().toString());
  }

  private static List<JournalEvent.Restored> resumedEntries(Config config, String id)
      throws Exception {
    JournalSettings settings = JournalSettings.fromConfig(config.getConfig("enas"));
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "read-journal", settings.applyTo(config));
    try {
      return Journal.of(settings, system)
          .entries(id)
          .toCompletableFuture()
          .get(1, TimeUnit.MINUTES)
          .stream()
          .filter(JournalEvent.Restored.class::isInstance)
          .map(JournalEvent.Restored.class::cast)
          .toList();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }
}
