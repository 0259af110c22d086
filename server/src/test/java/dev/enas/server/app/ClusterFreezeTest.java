package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.spec.SearchSpec;
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
 * A split brain, made on purpose: the node running a search is frozen (SIGSTOP) for longer than
 * failure detection and the split-brain resolver take, so the other two down it and the search
 * moves; then the frozen node is woken (SIGCONT) in the middle of the search it still thinks it
 * runs. It must not corrupt the search: it learns it was downed and exits with status 3, any write
 * it races with the heir's is refused by the journal, and the search finishes with exactly the
 * events of the same spec and seed run uninterrupted on another node, seen whole (after the resumes
 * a client does when its stream is cut) through a surviving node.
 */
@Tag("slow")
class ClusterFreezeTest {
  @TempDir Path dir;

  @Test
  void aFrozenNodeThatWakesAfterItsSearchMovedNeitherForksNorCorruptsIt() throws Exception {
    Path parent = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    try (PostgresServer postgres = PostgresServer.start(parent);
        ClusterNodes cluster =
            ClusterNodes.start(
                postgres,
                dir,
                3,
                "enas.cluster.heartbeat-pause=3s",
                "enas.cluster.stable-after=3s",
                "enas.cluster.ensure-interval=1s",
                "enas.max-concurrent-searches=1",
                "enas.snapshots.every-steps=4")) {
      try {
        List<ServerProcess> nodes = cluster.nodes();
        // One slot per node: the two searches (same spec, same seed) run on different nodes.
        SearchEvents.create(nodes.get(0).stub(), SearchSpec.smoke("macro", 7), "frozen");
        int victim = cluster.owner("frozen");
        SearchEvents.create(nodes.get(0).stub(), SearchSpec.smoke("macro", 7), "control");
        assertThat(cluster.owner("control"))
            .as("the node running the control")
            .isNotEqualTo(victim);
        ServerProcess watcher = nodes.get((victim + 1) % 3);
        Iterator<SearchEvent> stream =
            watcher
                .stub()
                .watchSearch(WatchSearchRequest.newBuilder().setSearchId("frozen").build());
        List<SearchEvent> events = new ArrayList<>();
        while (events.size() < 12) {
          events.add(stream.next());
        }
        Process frozen = nodes.get(victim).process();
        signal("STOP", frozen);
        // Heartbeats late by 3 s make it unreachable, 3 s of stable membership down it, and then
        // its search is placed on another node: well within 20 s.
        Thread.sleep(20_000);
        signal("CONT", frozen);
        assertThat(frozen.waitFor(2, TimeUnit.MINUTES)).as("the woken node exits").isTrue();
        assertThat(frozen.exitValue()).as("exit status of the downed node").isEqualTo(3);

        follow(watcher, "frozen", stream, events);
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).getSequence()).as("event %d's sequence", i).isEqualTo(i);
        }
        assertThat(events).last().matches(SearchEvent::hasFinished, "finished");
        assertThat(cluster.heir("frozen", victim)).as("the node that took over").isNotNegative();
        assertThat(SearchEvents.withoutIdOrClock(events))
            .as("the search that moved against the same spec and seed uninterrupted")
            .isEqualTo(
                SearchEvents.withoutIdOrClock(SearchEvents.watchAll(watcher.stub(), "control")));
      } catch (Exception | Error e) {
        System.out.println("ClusterFreezeTest failed; what the nodes logged:\n" + cluster.report());
        throw e;
      }
    }
  }

  private static void signal(String name, Process process) throws Exception {
    int status =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    assertThat(status).as("kill -%s", name).isZero();
  }

  /**
   * Reads the stream to its end as a client that resumes would: a stream cut because the search
   * stopped running on its node (UNAVAILABLE), or a resume point the node's replica has not reached
   * yet (INVALID_ARGUMENT), is watched again from the next event after a moment.
   */
  private static void follow(
      ServerProcess node, String id, Iterator<SearchEvent> stream, List<SearchEvent> events)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (true) {
      try {
        stream.forEachRemaining(events::add);
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if ((code != Status.Code.UNAVAILABLE && code != Status.Code.INVALID_ARGUMENT)
            || System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(500);
      stream =
          node.stub()
              .watchSearch(
                  WatchSearchRequest.newBuilder()
                      .setSearchId(id)
                      .setFromSequence(events.size())
                      .build());
    }
  }
}
