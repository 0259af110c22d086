package dev.enas.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.app.EnasServer;
import dev.enas.snapshot.SnapshotCodec;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.supernet.TorchThreads;
import dev.enas.train.SearchData;
import dev.enas.train.SearchRun;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** What a search's snapshots cost: their size on disk, and the server's time to write them. */
final class SnapshotBench {
  private SnapshotBench() {}

  /** Shared-weight steps before the snapshot is taken. */
  static final int STEPS = 40;

  /**
   * The bytes of one snapshot file (Kryo, as the server writes it) of the demo search and of a
   * 12-layer, 36-channel macro search (the demo's with that search network), each taken after
   * {@link #STEPS} shared-weight steps of uniformly drawn children (the demo's warm-up): every
   * operation has almost surely been trained by then (an op missed 40 times in a row has odds
   * (5/6)^40, under 0.1 %), so the shared weights carry their momentum buffers; the controller, its
   * Adam state and the generators are in it too. The weights' size does not grow with steps.
   */
  static Bench.Result size() throws Exception {
    TorchThreads.use(1);
    SearchSpec demo = SearchSpec.demo();
    SearchSpec big =
        new SearchSpec(
            SpaceSpec.macro(12),
            demo.data(),
            new ChildSpec(
                36, demo.child().cellsPerStack(), demo.child().batchSize(), demo.child().dropout()),
            demo.shared(),
            demo.controller(),
            demo.derive(),
            demo.retrain(),
            demo.seed());
    double demoMb = megabytes("demo (6 layers, 12 channels)", demo);
    megabytes("12 layers, 36 channels", big);
    return new Bench.Result(demoMb, "MB (one snapshot of the demo search)");
  }

  private static double megabytes(String name, SearchSpec spec) throws Exception {
    SearchData data = SearchData.load(spec);
    try (SearchRun run = SearchRun.start(spec, data, System.nanoTime())) {
      long steps = 0;
      while (run.stage() == SearchRun.Stage.SHARED_TRAINING && steps < STEPS) {
        run.step(e -> {}, () -> {});
        steps++;
      }
      long start = System.nanoTime();
      byte[] bytes = SnapshotCodec.encode(run.snapshot());
      double ms = (System.nanoTime() - start) / 1e6;
      double mb = bytes.length / 1e6;
      System.out.printf(
          "%s: %.3f MB after %d shared steps (taking and encoding it: %.0f ms)%n",
          name, mb, steps, ms);
      return mb;
    }
  }

  /**
   * Wall time of the demo search through the server with the default snapshot settings divided by
   * the same search with snapshots off, each in a fresh server on its own data directory in this
   * process (create, then watch to the end over loopback). Goal: at most 1.02. The rounds run in
   * the order off, on, on, off, so that the first search in the JVM (the slowest: warm-up) and the
   * drift of the machine fall on both sides alike; the ratio is of the summed times.
   */
  static Bench.Result overhead() throws Exception {
    double off = 0;
    double on = 0;
    for (boolean snapshots : new boolean[] {false, true, true, false}) {
      double seconds = demoThroughServer(snapshots);
      System.out.printf(
          "demo search with snapshots %s: %.1f s%n", snapshots ? "on" : "off", seconds);
      if (snapshots) {
        on += seconds;
      } else {
        off += seconds;
      }
    }
    System.out.printf(
        "demo search: %.1f s with snapshots off, %.1f s with the defaults (two" + " rounds each)%n",
        off, on);
    return new Bench.Result(on / off, "x (demo search wall time, default snapshots / none)");
  }

  private static double demoThroughServer(boolean snapshots) throws Exception {
    Path dataDir = Files.createTempDirectory("enas-bench-snapshots");
    Config config =
        ConfigFactory.load()
            .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
            .withValue("enas.http.port", ConfigValueFactory.fromAnyRef(0))
            .withValue("enas.snapshots.enabled", ConfigValueFactory.fromAnyRef(snapshots));
    try (EnasServer server =
        EnasServer.start(
            config, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
      long start = System.nanoTime();
      stub.createSearch(
          CreateSearchRequest.newBuilder()
              .setSpec(SpecMapper.toWire(SearchSpec.demo()))
              .setSearchId("demo")
              .build());
      SearchEvent last = null;
      Iterator<SearchEvent> events =
          stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId("demo").build());
      while (events.hasNext()) {
        last = events.next();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (last == null || !last.hasFinished()) {
        throw new IllegalStateException("the demo search did not finish: " + last);
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      return seconds;
    }
  }
}
