package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Search;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server processes form a cluster on loopback ports over one real PostgreSQL journal, with a
 * model repository and a snapshot directory they share (as a shared volume would be in production).
 * Four searches created through one node spread over all three; each one's event stream, watched
 * through every node, is complete (every sequence number once, from 0 to the end) and the same on
 * every node; every node serves every published model through ModelInfer, with the same answer.
 * Then the node running a fifth search is killed with SIGKILL in the middle of it: the search
 * finishes on another node, its stream through a surviving node has no gap and no duplicate, and
 * its events (clock aside) are those of the same spec and seed run uninterrupted.
 */
@Tag("slow")
class ClusterTest {
  @TempDir Path dir;

  /** The smallest search with every phase; the seed differs per search. */
  private static SearchSpec spec(long seed) {
    return SearchSpec.smoke("macro", seed);
  }

  @Test
  void searchesSpreadOverThreeNodesAndOneMovesWhenItsNodeIsKilled() throws Exception {
    Path parent = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    try (PostgresServer postgres = PostgresServer.start(parent);
        ClusterNodes cluster =
            ClusterNodes.start(
                postgres,
                dir,
                3,
                // Quick fail-over for the test: an unreachable node is downed 3 s after the
                // membership settles, and orphaned searches are looked for every second.
                "enas.cluster.stable-after=3s",
                "enas.cluster.ensure-interval=1s",
                "enas.max-concurrent-searches=2",
                "enas.serving.scan-interval=1s",
                "enas.snapshots.every-steps=4")) {
      try {
        run(cluster);
      } catch (Exception | Error e) {
        System.out.println("ClusterTest failed; what the nodes logged:\n" + cluster.report());
        throw e;
      }
    }
  }

  private static void run(ClusterNodes cluster) throws Exception {
    List<ServerProcess> nodes = cluster.nodes();
    {
      // Four searches through node 0: they spread over the nodes.
      ServerProcess entry = nodes.get(0);
      List<String> ids = List.of("spread-0", "spread-1", "spread-2", "spread-3");
      for (int i = 0; i < ids.size(); i++) {
        SearchEvents.create(entry.stub(), spec(100 + i), ids.get(i));
      }
      Map<String, Integer> owners = new TreeMap<>();
      for (String id : ids) {
        owners.put(id, cluster.owner(id));
      }
      assertThat(owners.values().stream().distinct().count())
          .as("nodes the four searches run on: %s", owners)
          .isEqualTo(3);

      // Every stream, through every node, is whole and the same.
      for (String id : ids) {
        List<SearchEvent> first = null;
        for (ServerProcess node : nodes) {
          List<SearchEvent> events = watchAll(nodes, node, id);
          assertContiguous(id, events);
          assertThat(events).last().matches(SearchEvent::hasFinished, "finished");
          if (first == null) {
            first = events;
          } else {
            assertThat(events).as("%s through another node", id).isEqualTo(first);
          }
        }
      }

      // Refusals given by the node that owns a search reach the client of any node as they are.
      assertThat(status(() -> SearchEvents.create(nodes.get(1).stub(), spec(1), "spread-0")))
          .isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(status(() -> cancel(nodes.get(2), "no-such-search")))
          .isEqualTo(Status.Code.NOT_FOUND);
      for (ServerProcess node : nodes) {
        assertThat(status(() -> cancel(node, "spread-3")))
            .as("cancelling an ended search")
            .isEqualTo(Status.Code.FAILED_PRECONDITION);
      }

      // Every node serves every model, with the same answer.
      float[] pixels = new float[2 * 28 * 28];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (i % 29) / 29f;
      }
      for (String id : ids) {
        float[] first = null;
        for (ServerProcess node : nodes) {
          float[] probabilities = infer(node, id, pixels);
          if (first == null) {
            first = probabilities;
          } else {
            assertThat(probabilities).as("model %s through another node", id).isEqualTo(first);
          }
        }
      }

      // A fifth search with spread-0's spec and seed; its node dies in the middle of it.
      String moved = "moved";
      SearchEvents.create(entry.stub(), spec(100), moved);
      int victim = cluster.owner(moved);
      ServerProcess watcher = nodes.get((victim + 1) % 3);
      Iterator<SearchEvent> stream =
          watcher.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId(moved).build());
      List<SearchEvent> events = new ArrayList<>();
      while (events.size() < 12) {
        events.add(stream.next());
      }
      nodes.get(victim).kill();
      stream.forEachRemaining(events::add);
      assertContiguous(moved, events);
      assertThat(events).last().matches(SearchEvent::hasFinished, "finished");
      int heir = cluster.heir(moved, victim);
      assertThat(heir).as("the node the search moved to").isNotNegative();
      assertThat(
              Files.readString(nodes.get(heir).log())
                  .contains("search " + moved + " is placed here; resuming it"))
          .as("the heir resumed the search from the journal")
          .isTrue();
      assertThat(SearchEvents.withoutIdOrClock(events))
          .as("the moved search against the same spec and seed uninterrupted")
          .isEqualTo(
              SearchEvents.withoutIdOrClock(SearchEvents.watchAll(watcher.stub(), "spread-0")));
      Search done =
          watcher.stub().getSearch(GetSearchRequest.newBuilder().setSearchId(moved).build());
      assertThat(done.getPhase()).isEqualTo(Phase.PHASE_SUCCEEDED);
      // A sixth search, with spread-1's spec and seed; its node is stopped with SIGTERM in the
      // middle of it: it snapshots the search, leaves the cluster, and the last node goes on.
      String handed = "handed";
      SearchEvents.create(watcher.stub(), spec(101), handed);
      int leaving = cluster.owner(handed);
      ServerProcess last = null;
      for (int i = 0; i < 3; i++) {
        if (i != victim && i != leaving) {
          last = nodes.get(i);
        }
      }
      Iterator<SearchEvent> following =
          last.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId(handed).build());
      List<SearchEvent> handedEvents = new ArrayList<>();
      while (handedEvents.size() < 12) {
        handedEvents.add(following.next());
      }
      assertThat(nodes.get(leaving).terminate(2, TimeUnit.MINUTES))
          .as("exit status of the node stopped with SIGTERM")
          .isZero();
      following.forEachRemaining(handedEvents::add);
      assertContiguous(handed, handedEvents);
      assertThat(cluster.heir(handed, leaving)).as("the node that took over").isNotNegative();
      assertThat(SearchEvents.withoutIdOrClock(handedEvents))
          .as("the handed-over search against the same spec and seed uninterrupted")
          .isEqualTo(SearchEvents.withoutIdOrClock(SearchEvents.watchAll(last.stub(), "spread-1")));

      // The moved search's model is served by the survivors.
      for (int i = 0; i < 3; i++) {
        if (i != victim && i != leaving) {
          assertThat(infer(nodes.get(i), moved, pixels))
              .isEqualTo(infer(nodes.get(i), "spread-0", pixels));
        }
      }
    }
  }

  /** The whole stream; one that does not end says which node and what every node holds. */
  private static List<SearchEvent> watchAll(
      List<ServerProcess> nodes, ServerProcess node, String id) {
    List<SearchEvent> events = new ArrayList<>();
    try {
      node.stub()
          .withDeadlineAfter(2, TimeUnit.MINUTES)
          .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
          .forEachRemaining(events::add);
      return events;
    } catch (StatusRuntimeException e) {
      StringBuilder views = new StringBuilder();
      for (int i = 0; i < nodes.size(); i++) {
        try {
          Search s =
              nodes.get(i).stub().getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
          views.append(
              String.format("%n  node %d: %s, %d events", i, s.getPhase(), s.getEventCount()));
        } catch (StatusRuntimeException other) {
          views.append(String.format("%n  node %d: %s", i, other.getStatus()));
        }
      }
      throw new AssertionError(
          String.format(
              "watching %s through node %d ended with %s after %d events; what each node holds:%s",
              id, nodes.indexOf(node), e.getStatus(), events.size(), views),
          e);
    }
  }

  private static void assertContiguous(String id, List<SearchEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).getSequence()).as("%s: event %d's sequence", id, i).isEqualTo(i);
    }
  }

  /** ModelInfer on a node for the model of search {@code id}, once the node has loaded it. */
  private static float[] infer(ServerProcess node, String id, float[] pixels) throws Exception {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference =
        GRPCInferenceServiceGrpc.newBlockingStub(node.channel())
            .withDeadlineAfter(1, TimeUnit.MINUTES);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!ready(inference, id)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node does not serve model " + id);
      }
      Thread.sleep(200);
    }
    ModelInferResponse response =
        inference.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName(id)
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("input")
                        .setDatatype("FP32")
                        .addAllShape(List.of(2L, 1L, 28L, 28L)))
                .addRawInputContents(RawContents.ofFloats(pixels))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("probabilities"))
                .build());
    return RawContents.toFloats(response.getRawOutputContents(0));
  }

  private static boolean ready(
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference, String model) {
    try {
      return inference.modelReady(ModelReadyRequest.newBuilder().setName(model).build()).getReady();
    } catch (io.grpc.StatusRuntimeException e) {
      return false;
    }
  }

  private static Search cancel(ServerProcess node, String id) {
    return node.stub()
        .cancelSearch(CancelSearchRequest.newBuilder().setSearchId(id).setReason("test").build());
  }

  /** The status code a call fails with. */
  private static Status.Code status(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("the call succeeded");
  }
}
