package dev.enas.bench;

import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.app.ClusterNodes;
import dev.enas.server.app.PostgresServer;
import dev.enas.server.app.ServerProcess;
import dev.enas.spec.SearchSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The cluster beside a single server, on one real PostgreSQL journal: four shortened demo searches
 * on one server, then the same four on a cluster of three server processes (all on this machine, so
 * the ratio is the coordination cost, not a speed-up), and the fail-over time: from SIGKILL of the
 * node running a search to the first event past what that node had journaled, seen through a
 * surviving node. Fail-over runs with the production defaults of enas.cluster (stable-after 20 s,
 * ensure-interval 5 s), which the time mostly is.
 */
final class ClusterBench {
  private ClusterBench() {}

  private static final int SEARCHES = 4;

  static Bench.Result clusterSpeedup() throws Exception {
    Path dir = Files.createTempDirectory("enas-cluster-bench");
    SearchSpec spec = ServerBench.shortDemo();
    double one;
    double three;
    double failover;
    // PostgreSQL may run as nobody (under root), which must reach its folder: not under dir (0700).
    try (PostgresServer postgres =
        PostgresServer.start(Path.of(System.getProperty("java.io.tmpdir")))) {
      List<String> single = new ArrayList<>(List.of(postgres.journalProperties()));
      single.add("enas.max-concurrent-searches=" + SEARCHES);
      single.add("enas.serving.repository=" + dir.resolve("single-models"));
      try (ServerProcess server =
          ServerProcess.start(
              dir.resolve("single"), dir.resolve("single.log"), single.toArray(String[]::new))) {
        one = runAll(server, spec, "one-node-");
      }
      System.out.printf("%d searches on one server: %.1f s%n", SEARCHES, one);
      try (ClusterNodes cluster =
          ClusterNodes.start(
              postgres, dir.resolve("cluster"), 3, "enas.max-concurrent-searches=2")) {
        three = runAll(cluster.node(0), spec, "three-nodes-");
        System.out.printf("%d searches on three nodes: %.1f s%n", SEARCHES, three);
        for (int i = 0; i < SEARCHES; i++) {
          System.out.printf(
              "  three-nodes-%d ran on node %d%n", i, cluster.owner("three-nodes-" + i));
        }
        failover = failover(cluster, spec);
      }
    }
    System.out.printf(
        "fail-over: %.1f s from SIGKILL to the first resumed event (stable-after 20 s)%n",
        failover);
    System.out.printf("one server / three nodes: %.3f%n", one / three);
    return new Bench.Result(one / three, "ratio (one node / three nodes, wall time)");
  }

  /** Seconds from the first create to the end of the last of the four searches. */
  private static double runAll(ServerProcess server, SearchSpec spec, String prefix)
      throws Exception {
    long start = System.nanoTime();
    ExecutorService watchers = Executors.newFixedThreadPool(SEARCHES);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int i = 0; i < SEARCHES; i++) {
        String id = prefix + i;
        server
            .stub()
            .createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId(id)
                    .setSpec(SpecMapper.toWire(seeded(spec, spec.seed() + i)))
                    .build());
        done.add(
            watchers.submit(
                () -> {
                  int events = 0;
                  Iterator<SearchEvent> stream =
                      SearchServiceGrpc.newBlockingStub(server.channel())
                          .withDeadlineAfter(60, TimeUnit.MINUTES)
                          .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build());
                  while (stream.hasNext()) {
                    stream.next();
                    events++;
                  }
                  return events;
                }));
      }
      for (Future<Integer> f : done) {
        f.get(60, TimeUnit.MINUTES);
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      watchers.shutdownNow();
    }
  }

  /**
   * Seconds from SIGKILL of the node running a search to the first event past what the survivors
   * had seen of it, through a surviving node's watch.
   */
  private static double failover(ClusterNodes cluster, SearchSpec spec) throws Exception {
    String id = "fail-over";
    cluster
        .node(0)
        .stub()
        .createSearch(
            CreateSearchRequest.newBuilder()
                .setSearchId(id)
                .setSpec(SpecMapper.toWire(spec))
                .build());
    int victim = cluster.owner(id);
    SearchServiceGrpc.SearchServiceBlockingStub watcher =
        SearchServiceGrpc.newBlockingStub(cluster.node((victim + 1) % 3).channel())
            .withDeadlineAfter(60, TimeUnit.MINUTES);
    Iterator<SearchEvent> stream =
        watcher.watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build());
    long seen = 0;
    // Well into shared training: past the first epoch's controller updates.
    while (seen < 200) {
      stream.next();
      seen++;
    }
    long killed = System.nanoTime();
    cluster.node(victim).kill();
    // What the dead node journaled and the watcher had not read yet arrives within the journal's
    // poll interval; the next event comes from the node that took the search over.
    long quiet = killed + TimeUnit.SECONDS.toNanos(2);
    while (stream.hasNext()) {
      stream.next();
      long now = System.nanoTime();
      if (now > quiet) {
        System.out.printf(
            "search %s moved from node %d to node %d%n", id, victim, cluster.heir(id, victim));
        return (now - killed) / 1e9;
      }
    }
    throw new IllegalStateException("the search ended without resuming");
  }

  private static SearchSpec seeded(SearchSpec d, long seed) {
    return new SearchSpec(
        d.space(), d.data(), d.child(), d.shared(), d.controller(), d.derive(), d.retrain(), seed);
  }
}
