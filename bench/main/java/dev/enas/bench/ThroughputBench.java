package dev.enas.bench;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.Supernet;
import dev.enas.train.Networks;
import dev.enas.train.SearchData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Shared-weight training steps per second of the macro space at the demo's settings (embedded
 * Fashion-MNIST, batch 64, search network widening at reductions, the demo's shared optimizer, a
 * newly sampled child every step), and how the rate falls as the supernet grows: layers 6, 12, 24
 * by first-stage channels 12, 24, 36. All nine supernets stay open and are visited round-robin,
 * {@value #ROUNDS} rounds of {@value #WARMUP} warm-up and 3 timed steps each (a machine whose load
 * drifts then slows every point alike); a point's rate is one over its median step. Only the steps
 * are timed, not sampling. Writes the table to standard output and the plot to {@code
 * bench/search-throughput.png}. The headline is the demo's point (6 layers, 12 channels).
 */
final class ThroughputBench {
  private static final int[] LAYERS = {6, 12, 24};
  private static final int[] CHANNELS = {12, 24, 36};
  private static final int ROUNDS = 3;
  private static final int WARMUP = 1;
  private static final int STEPS = Integer.getInteger("enas.bench.steps", 3);
  private static final Path PLOT = Path.of("bench", "search-throughput");

  private ThroughputBench() {}

  static Bench.Result searchThroughput() throws Exception {
    SearchSpec demo = SearchSpec.demo();
    SearchData data = SearchData.load(demo);
    int points = LAYERS.length * CHANNELS.length;
    List<Point> all = new ArrayList<>();
    System.out.printf(
        "%d rounds over the %d points, each %d warm-up + %d timed steps per point"
            + " per round, batch %d%n",
        ROUNDS, points, WARMUP, STEPS, demo.child().batchSize());
    try {
      for (int layers : LAYERS) {
        for (int channels : CHANNELS) {
          all.add(new Point(demo, data, layers, channels));
        }
      }
      // Round-robin, so that a change of the machine's load falls on every point alike.
      for (int round = 0; round < ROUNDS; round++) {
        for (Point p : all) {
          p.steps(WARMUP, STEPS);
        }
      }
    } finally {
      for (Point p : all) {
        p.close();
      }
    }
    double[][] rate = new double[LAYERS.length][CHANNELS.length];
    for (int l = 0; l < LAYERS.length; l++) {
      for (int c = 0; c < CHANNELS.length; c++) {
        Point p = all.get(l * CHANNELS.length + c);
        double[] ms = p.millis.stream().mapToDouble(Double::doubleValue).toArray();
        rate[l][c] = 1000 / Timing.percentile(ms, 50);
        System.out.printf(
            "layers %2d, channels %2d: %.3f steps/s (step %s)%n",
            LAYERS[l], CHANNELS[c], rate[l][c], Timing.summary(ms));
      }
    }
    StringBuilder table = new StringBuilder("| layers \\ channels |");
    for (int ch : CHANNELS) {
      table.append(' ').append(ch).append(" |");
    }
    table.append('\n');
    for (int l = 0; l < LAYERS.length; l++) {
      table.append("| ").append(LAYERS[l]).append(" |");
      for (int c = 0; c < CHANNELS.length; c++) {
        table.append(String.format(" %.2f |", rate[l][c]));
      }
      table.append('\n');
    }
    System.out.print(table);
    plot(rate);
    System.out.println("plot: " + PLOT + ".png");
    return new Bench.Result(rate[0][0], "steps/s (6 layers, 12 channels, batch 64)");
  }

  /** One size of the supernet, kept open across rounds, with its own batches and children. */
  private static final class Point implements AutoCloseable {
    final List<Double> millis = new ArrayList<>();
    private final Supernet supernet;
    private final BatchIterator batches;
    private final Controller controller;
    private final double lr;

    Point(SearchSpec demo, SearchData data, int layers, int channels) {
      ChildSpec child = demo.child();
      SearchSpec spec =
          new SearchSpec(
              SpaceSpec.macro(layers),
              demo.data(),
              new ChildSpec(channels, child.cellsPerStack(), child.batchSize(), child.dropout()),
              demo.shared(),
              demo.controller(),
              demo.derive(),
              demo.retrain(),
              demo.seed(),
              demo.languageModel());
      MacroSpace space = new MacroSpace(layers);
      NetworkSpec network = Networks.searchNetwork(spec, data);
      this.controller = Controllers.create(space, spec.controller(), spec.seed());
      this.lr = spec.shared().learningRateMax();
      this.supernet = Supernet.create(space, network, Networks.sgd(spec.shared()), spec.seed());
      this.batches =
          BatchIterator.builder(data.train(), child.batchSize(), data.normalization())
              .seed(spec.seed())
              .endless()
              .dropLast(true)
              .build();
    }

    /** Trains {@code warmup + steps} sampled children; times the last {@code steps}. */
    void steps(int warmup, int steps) {
      for (int i = 0; i < warmup + steps; i++) {
        Architecture child = controller.sample().architecture();
        Batch b = batches.next();
        long t0 = System.nanoTime();
        supernet.trainStep(child, b.images(), b.labels(), lr);
        if (i >= warmup) {
          millis.add((System.nanoTime() - t0) / 1e6);
        }
      }
    }

    @Override
    public void close() {
      try {
        batches.close();
      } finally {
        supernet.close();
      }
    }
  }

  private static void plot(double[][] rate) throws Exception {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(480)
            .title("Shared-weight steps per second, macro space (batch 64, 28x28)")
            .xAxisTitle("layers")
            .yAxisTitle("steps / s")
            .build();
    chart.getStyler().setYAxisMin(0.0);
    double[] x = new double[LAYERS.length];
    for (int l = 0; l < LAYERS.length; l++) {
      x[l] = LAYERS[l];
    }
    for (int c = 0; c < CHANNELS.length; c++) {
      double[] y = new double[LAYERS.length];
      for (int l = 0; l < LAYERS.length; l++) {
        y[l] = rate[l][c];
      }
      chart.addSeries(CHANNELS[c] + " channels", x, y);
    }
    BitmapEncoder.saveBitmap(chart, PLOT.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
