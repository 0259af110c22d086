package dev.enas.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Runs one benchmark by name. Every benchmark prints what it measured and ends with one line {@code
 * NAME: VALUE UNIT}, which bench/README.md records.
 */
public final class Bench {
  private Bench() {}

  /** A named measurement that returns its headline value. */
  interface Benchmark {
    Result run() throws Exception;
  }

  /** The headline number of a benchmark run. */
  record Result(double value, String unit) {}

  private static Map<String, Supplier<Benchmark>> registry() {
    Map<String, Supplier<Benchmark>> benchmarks = new TreeMap<>();
    benchmarks.put("controller-sample", () -> ControllerBench::sample);
    benchmarks.put("controller-step", () -> ControllerBench::step);
    benchmarks.put("supernet-overhead", () -> SearchBench::supernetOverhead);
    benchmarks.put("native-memory-growth", () -> SearchBench::nativeMemoryGrowth);
    benchmarks.put("embedded-search", () -> SearchBench::embeddedSearch);
    benchmarks.put("enas-vs-random-embedded", () -> SearchBench::enasVsRandom);
    benchmarks.put("search-vs-plain", () -> SearchBench::searchVsPlain);
    benchmarks.put("actor-overhead", () -> ServerBench::actorOverhead);
    benchmarks.put("watch-fanout", () -> ServerBench::watchFanout);
    benchmarks.put("dashboard-fanout", () -> DashboardBench::fanout);
    benchmarks.put("metrics-overhead", () -> DashboardBench::metricsOverhead);
    benchmarks.put("infer-overhead", () -> InferBench::overhead);
    benchmarks.put("infer-throughput", () -> InferBench::throughput);
    benchmarks.put("secure-infer-overhead", () -> InferBench::secureOverhead);
    benchmarks.put("rnn-step", () -> RnnBench::step);
    benchmarks.put("rnn-vs-fixed-cell", () -> RnnBench::versusFixedCell);
    benchmarks.put("retrain-vs-pytorch", () -> RetrainBench::retrainVsPytorch);
    benchmarks.put("vs-pytorch", () -> VsPytorchBench::vsPytorch);
    benchmarks.put("op-vs-pytorch", () -> OpBench::opVsPytorch);
    benchmarks.put("rank-correlation", () -> RankBench::rankCorrelation);
    benchmarks.put("search-throughput", () -> ThroughputBench::searchThroughput);
    benchmarks.put("fashion-accuracy", () -> FashionBench::fashionAccuracy);
    benchmarks.put("snapshot-size", () -> SnapshotBench::size);
    benchmarks.put("checkpoint-overhead", () -> SnapshotBench::overhead);
    benchmarks.put("cluster-speedup", () -> ClusterBench::clusterSpeedup);
    benchmarks.put("recovery-time", () -> JournalBench::recoveryTime);
    benchmarks.put("retained-heap", () -> JournalBench::retainedHeap);
    return benchmarks;
  }

  public static void main(String[] args) throws Exception {
    Map<String, Supplier<Benchmark>> benchmarks = registry();
    if (args.length != 1 || !benchmarks.containsKey(args[0])) {
      System.err.println("usage: bench/run NAME, where NAME is one of " + benchmarks.keySet());
      System.exit(2);
    }
    Result result = benchmarks.get(args[0]).get().run();
    System.out.printf("%s: %s %s%n", args[0], format(result.value()), result.unit());
  }

  private static String format(double value) {
    return Math.abs(value) >= 100 ? String.format("%.1f", value) : String.format("%.4g", value);
  }
}
