package dev.enas.bench;

import java.util.Arrays;

/** Order statistics of repeated timings. */
final class Timing {
  private Timing() {}

  /**
   * Runs {@code action} {@code warmup} times unmeasured, then returns {@code runs} timings in ms.
   */
  static double[] measure(int warmup, int runs, Runnable action) {
    for (int i = 0; i < warmup; i++) {
      action.run();
    }
    double[] millis = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      action.run();
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    return millis;
  }

  static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static String summary(double[] millis) {
    return String.format(
        "n=%d p10=%.4f ms median=%.4f ms p90=%.4f ms p99=%.4f ms",
        millis.length,
        percentile(millis, 10),
        percentile(millis, 50),
        percentile(millis, 90),
        percentile(millis, 99));
  }
}
