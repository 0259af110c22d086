package dev.enas.bench;

import com.typesafe.config.ConfigFactory;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.app.EnasServer;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Benchmarks of the server: what the actors cost over the engine, and event fan-out delay. */
final class ServerBench {
  private ServerBench() {}

  /** The demo search shortened to 2 search epochs and 1 retraining epoch (about a minute). */
  /**
   * The demo's controller without its warm-up epochs: two search epochs leave none to warm up in
   * (the spec check refuses a warm-up as long as the search), and these benchmarks measure the
   * server's delivery, not the controller's schedule.
   */
  private static dev.enas.spec.ControllerSpec noWarmup(dev.enas.spec.ControllerSpec c) {
    return new dev.enas.spec.ControllerSpec(
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
        c.childrenPerUpdate(),
        0);
  }

  static SearchSpec shortDemo() {
    SearchSpec d = SearchSpec.demo();
    TrainingSpec s = d.shared();
    TrainingSpec r = d.retrain().training();
    return new SearchSpec(
        d.space(),
        d.data(),
        d.child(),
        new TrainingSpec(
            2,
            s.stepsPerEpoch(),
            s.learningRateMax(),
            s.learningRateMin(),
            2,
            s.restartMultiplier(),
            s.momentum(),
            s.weightDecay(),
            s.gradientClip(),
            s.maxNonFiniteSteps()),
        noWarmup(d.controller()),
        d.derive(),
        new dev.enas.spec.RetrainSpec(
            d.retrain().network(),
            new TrainingSpec(
                1,
                r.stepsPerEpoch(),
                r.learningRateMax(),
                r.learningRateMin(),
                1,
                r.restartMultiplier(),
                r.momentum(),
                r.weightDecay(),
                r.gradientClip(),
                r.maxNonFiniteSteps()),
            d.retrain().cutout()),
        d.seed());
  }

  /**
   * Wall time of a search through the server (create, then watch to the end over loopback) divided
   * by the same spec in the engine's SearchLoop in this process. Alternates the two, twice each, so
   * drift in the machine's load hits both, and divides the total times.
   */
  static Bench.Result actorOverhead() throws Exception {
    SearchSpec spec = shortDemo();
    double loopSum = 0;
    double serverSum = 0;
    try (EnasServer server =
        EnasServer.start(
            freeHttpPort(ConfigFactory.load()),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        SearchResult r = new SearchLoop(spec, e -> {}, () -> false).run();
        double loop = (System.nanoTime() - t0) / 1e9;
        if (r.phase() != Phase.SUCCEEDED) {
          throw new IllegalStateException("engine search failed: " + r.reason());
        }
        long t1 = System.nanoTime();
        Search created =
            stub.createSearch(
                CreateSearchRequest.newBuilder().setSpec(SpecMapper.toWire(spec)).build());
        SearchEvent last = null;
        Iterator<SearchEvent> it =
            stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId(created.getId()).build());
        while (it.hasNext()) {
          last = it.next();
        }
        double viaServer = (System.nanoTime() - t1) / 1e9;
        if (last == null || !last.hasFinished()) {
          throw new IllegalStateException("server search did not finish: " + last);
        }
        System.out.printf(
            "round %d: engine %.1f s, server %.1f s, ratio %.3f%n",
            round, loop, viaServer, viaServer / loop);
        loopSum += loop;
        serverSum += viaServer;
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    return new Bench.Result(serverSum / loopSum, "x (server / engine wall time)");
  }

  /**
   * Delay between an event's creation (its timestamp in the log) and its arrival at each of 100
   * watchers streaming over loopback, during the short demo search; the 99th percentile in ms.
   */
  static Bench.Result watchFanout() throws Exception {
    int watchers = 100;
    List<Double> delays = java.util.Collections.synchronizedList(new ArrayList<>());
    try (EnasServer server =
        EnasServer.start(
            freeHttpPort(ConfigFactory.load()),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
      Search created =
          stub.createSearch(
              CreateSearchRequest.newBuilder().setSpec(SpecMapper.toWire(shortDemo())).build());
      CountDownLatch done = new CountDownLatch(watchers);
      long[] counts = new long[watchers];
      for (int w = 0; w < watchers; w++) {
        int index = w;
        SearchServiceGrpc.newStub(channel)
            .watchSearch(
                WatchSearchRequest.newBuilder().setSearchId(created.getId()).build(),
                new io.grpc.stub.StreamObserver<SearchEvent>() {
                  @Override
                  public void onNext(SearchEvent e) {
                    // Both clocks are this machine's wall clock (microsecond resolution on Linux).
                    java.time.Instant now = java.time.Instant.now();
                    java.time.Instant made =
                        java.time.Instant.ofEpochSecond(
                            e.getTime().getSeconds(), e.getTime().getNanos());
                    delays.add(Math.max(0, java.time.Duration.between(made, now).toNanos()) / 1e6);
                    counts[index]++;
                  }

                  @Override
                  public void onError(Throwable t) {
                    System.err.println("watcher " + index + " failed: " + t);
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
      }
      if (!done.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("watchers did not complete");
      }
      long min = Long.MAX_VALUE;
      long max = 0;
      for (long c : counts) {
        min = Math.min(min, c);
        max = Math.max(max, c);
      }
      System.out.printf(
          "%d watchers, events per watcher %d..%d, %d deliveries%n",
          watchers, min, max, delays.size());
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    double[] values = delays.stream().mapToDouble(Double::doubleValue).toArray();
    System.out.println("delivery delay: " + Timing.summary(values));
    return new Bench.Result(Timing.percentile(values, 99), "ms (p99 delay, 100 watchers)");
  }

  /** The server's HTTP port on a free one, so a benchmark never collides with a running server. */
  private static com.typesafe.config.Config freeHttpPort(com.typesafe.config.Config config) {
    return config.withValue("enas.http.port", com.typesafe.config.ConfigValueFactory.fromAnyRef(0));
  }
}
