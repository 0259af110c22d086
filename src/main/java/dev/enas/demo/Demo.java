package dev.enas.demo;

import dev.enas.spec.SearchSpec;
import dev.enas.supernet.TorchThreads;
import dev.enas.train.Phase;
import dev.enas.train.SearchData;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import java.io.IOException;

/**
 * A short real search on the embedded Fashion-MNIST subset, in this process: shared-weight training
 * and controller updates with a live progress bar, derivation of the best child, retraining it from
 * scratch and its test accuracy. Takes a few minutes on two CPU cores.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws IOException {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
    SearchSpec d = SearchSpec.demo();
    SearchSpec spec =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller(),
            d.derive(),
            d.retrain(),
            seed);
    // The server's default count, so that this run and the server's give the same search.
    TorchThreads.use(1);
    SearchData data = SearchData.load(spec.data(), spec.seed());
    System.out.printf(
        "enas demo: ENAS on %s (%d train, %d validation, %d test images), seed %d%n",
        spec.data().dataset(),
        data.train().size(),
        data.validation().size(),
        data.test().size(),
        seed);
    System.out.printf(
        "space %s x %d channels, %d search epochs of %d children per update x %d "
            + "updates; retrain at %d channels for %d epochs%n",
        spec.space().toSearchSpace().describe(),
        spec.child().channels(),
        spec.shared().epochs(),
        spec.controller().childrenPerUpdate(),
        spec.controller().updatesPerEpoch(),
        spec.retrain().network().channels(),
        spec.retrain().training().epochs());
    int stepsPerEpoch =
        spec.shared().stepsPerEpoch() > 0
            ? spec.shared().stepsPerEpoch()
            : data.train().size() / spec.child().batchSize();
    ConsoleProgress progress =
        new ConsoleProgress(
            System.out,
            stepsPerEpoch,
            spec.controller().updatesPerEpoch() * spec.controller().childrenPerUpdate(),
            spec.shared().epochs());
    SearchResult result = new SearchLoop(spec, progress, () -> false).run();
    if (result.phase() != Phase.SUCCEEDED) {
      System.exit(1);
    }
  }
}
