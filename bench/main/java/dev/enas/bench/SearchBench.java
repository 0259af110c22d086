package dev.enas.bench;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import dev.enas.data.Normalization;
import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.spec.ControllerSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StandaloneNetwork;
import dev.enas.supernet.Supernet;
import dev.enas.supernet.TorchThreads;
import dev.enas.train.Phase;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Benchmarks of the engine: shared-weight step cost, native memory, whole searches. */
final class SearchBench {
  private SearchBench() {}

  /**
   * Time of a shared-weight step of a sampled 12-layer macro child (24 channels, batch 64, 28x28)
   * divided by the time of the same child's standalone network on the same batch. Steps alternate
   * between the two so machine noise hits both alike.
   */
  static Bench.Result supernetOverhead() {
    ImageDataset train = EmbeddedData.fashionMnistTrain();
    MacroSpace space = new MacroSpace(12);
    NetworkSpec spec = new NetworkSpec(12, 24, 10, 1, 28, 28, 0f, false);
    Architecture child =
        Controllers.create(space, ControllerSpec.macroDefaults(), 3).sample().architecture();
    Batch batch;
    try (BatchIterator it =
        BatchIterator.builder(train, 64, Normalization.compute(train)).seed(1).build()) {
      batch = it.next();
    }
    int warmup = 5;
    int runs = 40;
    double[] shared = new double[runs];
    double[] alone = new double[runs];
    try (Supernet supernet = Supernet.create(space, spec, SgdSettings.macroDefaults(), 1);
        StandaloneNetwork network =
            StandaloneNetwork.create(child, spec, SgdSettings.macroDefaults(), 1)) {
      for (int i = 0; i < warmup + runs; i++) {
        long t0 = System.nanoTime();
        supernet.trainStep(child, batch.images(), batch.labels(), 0.01);
        long t1 = System.nanoTime();
        network.trainStep(batch.images(), batch.labels(), 0.01);
        long t2 = System.nanoTime();
        if (i >= warmup) {
          shared[i - warmup] = (t1 - t0) / 1e6;
          alone[i - warmup] = (t2 - t1) / 1e6;
        }
      }
    }
    System.out.println("child " + child.encode());
    System.out.println("supernet step:   " + Timing.summary(shared));
    System.out.println("standalone step: " + Timing.summary(alone));
    return new Bench.Result(
        Timing.percentile(shared, 50) / Timing.percentile(alone, 50), "x (median ratio)");
  }

  /**
   * Resident memory growth of the process between shared-weight step 500 and step 3,000 of a macro
   * search (6 layers, 12 channels, batch 32, a new sampled child every step, and a reward
   * evaluation every 5 steps), in percent of the resident size at step 500. {@code bench/run} fixes
   * the Java heap and touches it at start, so the resident size moves with native memory only; the
   * committed heap is printed beside it to show it stayed put.
   */
  static Bench.Result nativeMemoryGrowth() throws IOException {
    ImageDataset train = EmbeddedData.fashionMnistTrain();
    MacroSpace space = new MacroSpace(6);
    NetworkSpec spec = new NetworkSpec(6, 12, 10, 1, 28, 28, 0f, false);
    Controller controller = Controllers.create(space, ControllerSpec.macroDefaults(), 1);
    long at500 = 0;
    long at3000 = 0;
    try (Supernet supernet = Supernet.create(space, spec, SgdSettings.macroDefaults(), 1);
        BatchIterator it =
            BatchIterator.builder(train, 32, Normalization.compute(train))
                .seed(1)
                .endless()
                .dropLast(true)
                .build()) {
      for (int step = 1; step <= 3000; step++) {
        Batch b = it.next();
        Architecture child = controller.sample().architecture();
        supernet.trainStep(child, b.images(), b.labels(), 0.02);
        if (step % 5 == 0) {
          supernet.evaluate(child, b.images(), b.labels());
        }
        if (step == 500) {
          at500 = residentBytes();
        }
        if (step % 500 == 0) {
          Runtime rt = Runtime.getRuntime();
          System.out.printf(
              "step %d: resident %.1f MiB (Java heap committed %.1f MiB, used %.1f)%n",
              step,
              residentBytes() / 1048576.0,
              rt.totalMemory() / 1048576.0,
              (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
        }
      }
      at3000 = residentBytes();
    }
    return new Bench.Result(
        100.0 * (at3000 - at500) / at500, "% resident growth, step 500 -> 3000");
  }

  static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/self/status");
  }

  /** The README demo's search: its retrained child's test accuracy, with the wall time printed. */
  static Bench.Result embeddedSearch() {
    SearchResult r = runDemo("enas", 1);
    System.out.printf(
        "embedded search (seed 1): %s, test accuracy %.4f, wall time %.0f s%n",
        r.architecture(), r.testAccuracy(), r.seconds());
    return new Bench.Result(
        r.testAccuracy(), "test accuracy (wall " + Math.round(r.seconds()) + " s)");
  }

  /**
   * The demo's search with the ENAS controller and with the random controller, same budget, seeds 1
   * to 3; prints both side by side. The headline is ENAS's mean minus random's mean.
   */
  static Bench.Result enasVsRandom() {
    List<double[]> rows = new ArrayList<>();
    double enasSum = 0;
    double randomSum = 0;
    for (long seed = 1; seed <= 3; seed++) {
      SearchResult enas = runDemo("enas", seed);
      SearchResult random = runDemo("random", seed);
      rows.add(new double[] {seed, enas.testAccuracy(), random.testAccuracy()});
      enasSum += enas.testAccuracy();
      randomSum += random.testAccuracy();
      System.out.printf(
          "seed %d: enas %.4f (%s)  random %.4f (%s)%n",
          seed,
          enas.testAccuracy(),
          enas.architecture(),
          random.testAccuracy(),
          random.architecture());
    }
    System.out.printf("mean: enas %.4f  random %.4f%n", enasSum / 3, randomSum / 3);
    return new Bench.Result((enasSum - randomSum) / 3, "test accuracy, mean enas - mean random");
  }

  /**
   * Whether the search earns its cost: the demo's search for seeds 1 to 3, each ending with its
   * derived child and the plain child of the space retrained by the same retraining (width, depth,
   * budget, data order); prints each seed's test errors and their ratio. The headline is the mean
   * test error of the derived children divided by the plain children's (below 1: the search wins).
   * {@code -Denas.bench.scales=1,2,4} repeats it with the search epochs multiplied (the retraining
   * unchanged), to show where the search starts to pay; the headline is the first scale's.
   */
  static Bench.Result searchVsPlain() {
    // One intra-op thread, as the server and the demo train: part of what a seed reproduces.
    TorchThreads.use(1);
    String[] scales = System.getProperty("enas.bench.scales", "1").split(",");
    double headline = Double.NaN;
    for (String text : scales) {
      int scale = Integer.parseInt(text.strip());
      double derivedErrors = 0;
      double plainErrors = 0;
      int wins = 0;
      for (long seed = 1; seed <= 3; seed++) {
        SearchSpec d = SearchSpec.demo();
        TrainingSpec t = d.shared();
        TrainingSpec shared =
            new TrainingSpec(
                t.epochs() * scale,
                t.stepsPerEpoch(),
                t.learningRateMax(),
                t.learningRateMin(),
                t.restartPeriod() * scale,
                t.restartMultiplier(),
                t.momentum(),
                t.weightDecay(),
                t.gradientClip(),
                t.maxNonFiniteSteps());
        SearchSpec spec =
            new SearchSpec(
                d.space(),
                d.data(),
                d.child(),
                shared,
                d.controller(),
                d.derive(),
                d.retrain().withPlainBaseline(true),
                seed);
        SearchResult r = new SearchLoop(spec, e -> {}, () -> false).run();
        if (r.phase() != Phase.SUCCEEDED) {
          throw new IllegalStateException("search failed: " + r.reason());
        }
        double derived = 1 - r.testAccuracy();
        double plain = 1 - r.plainBaseline().testAccuracy();
        derivedErrors += derived;
        plainErrors += plain;
        wins += derived < plain ? 1 : 0;
        System.out.printf(
            "search epochs x%d, seed %d: derived %.4f (%s), plain %.4f, test error"
                + " ratio %.3f, %.0f s%n",
            scale,
            seed,
            r.testAccuracy(),
            r.architecture(),
            r.plainBaseline().testAccuracy(),
            derived / plain,
            r.seconds());
      }
      double ratio = derivedErrors / plainErrors;
      System.out.printf(
          "search epochs x%d: mean test error derived %.4f / plain %.4f = %.3f;"
              + " the search won %d of 3 seeds%n",
          scale, derivedErrors / 3, plainErrors / 3, ratio, wins);
      if (Double.isNaN(headline)) {
        headline = ratio;
      }
    }
    return new Bench.Result(headline, "x (mean test error, derived / plain, demo search budget)");
  }

  private static SearchResult runDemo(String kind, long seed) {
    SearchSpec d = SearchSpec.demo();
    // A uniform policy has no most probable child: the random controller keeps the paper's
    // selection, the best-scored of its samples (random search with shared weights).
    DeriveSpec derive =
        "random".equals(kind) ? d.derive().withSelection(DeriveSpec.BEST_REWARD) : d.derive();
    SearchSpec spec =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller().withKind(kind),
            derive,
            d.retrain().withPlainBaseline(false),
            seed);
    SearchResult r = new SearchLoop(spec, e -> {}, () -> false).run();
    if (r.phase() != Phase.SUCCEEDED) {
      throw new IllegalStateException("search failed: " + r.reason());
    }
    return r;
  }
}
