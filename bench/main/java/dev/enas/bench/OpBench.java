package dev.enas.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The single operations a child network is made of, one at a time, in DJL on libtorch 2.7.1 (the
 * engine's library, called as the engine calls it) and in Debian's torch 1.13 from Python ({@code
 * bench/python/ops_vs_pytorch.py}), at the same shapes and thread count. Each operation's forward
 * pass runs with autograd on and its input and weights requiring gradients, as inside a training
 * step, then the backward pass of the sum of its output; both are timed apart, the median of the
 * measured repetitions. Rounds alternate ours and theirs so that the machine's load falls on both.
 *
 * <p>This splits vs-pytorch's gap by operation: an operation much slower here than in torch 1.13 is
 * the library's (libtorch 2.7.1's kernel, or DJL's call into it), and the tiny operation at the end
 * measures the fixed cost of one call on each side. At 32 and 48 channels (multiples of 16) nothing
 * needs the engine's channel padding (DjlOps.paddedConv2d) and the work is the same on both sides;
 * at 20 channels (the micro search's first stage) convolutions are padded as the engine pads them,
 * so those rows show the padding's cost too. The separable-convolution rows are the micro cell's
 * unit (ReLU, depthwise, pointwise, batch norm). The headline is the geometric mean over operations
 * of the forward-plus-backward ratio, ours / torch 1.13.
 */
final class OpBench {
  private static final Path SCRIPT = Path.of("bench", "python", "ops_vs_pytorch.py");
  private static final int BATCH = Integer.getInteger("enas.bench.batch", 128);
  private static final int WARMUP = 3;
  private static final int REPS = Integer.getInteger("enas.bench.reps", 15);
  private static final int ROUNDS = 2;

  /** One operation at one shape: {@code kind channels size}. */
  record Case(String kind, int channels, int size) {
    String label() {
      return kind + " " + channels + "x" + size + "x" + size;
    }
  }

  static final List<String> KINDS =
      List.of(
          "conv3x3",
          "conv5x5",
          "conv1x1",
          "dwconv3x3",
          "dwconv5x5",
          "batchnorm",
          "relu",
          "maxpool3x3",
          "avgpool3x3",
          "add",
          "concat4",
          "sepconv3x3",
          "sepconv5x5");

  private OpBench() {}

  static Bench.Result opVsPytorch() throws Exception {
    if (BATCH < 1 || BATCH > 1024 || REPS < 1 || REPS > 10_000) {
      throw new IllegalArgumentException(
          "enas.bench.batch must be in [1, 1024] and enas.bench.reps in [1, 10000]; were "
              + BATCH
              + " and "
              + REPS);
    }
    int threads = VsPytorchBench.describeOurs();
    System.out.println("libtorch features: " + JniUtils.getFeatures());
    List<Case> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{20, 32}, {32, 32}, {48, 16}}) {
      for (String kind : KINDS) {
        cases.add(new Case(kind, shape[0], shape[1]));
      }
    }
    cases.add(new Case("tiny-add", 1, 1));
    System.out.printf(
        "%d rounds of (ours, torch 1.13), each %d warm-up + %d measured repetitions per operation,"
            + " batch %d%n",
        ROUNDS, WARMUP, REPS, BATCH);

    Path dir = Files.createTempDirectory("enas-ops-vs-pytorch");
    List<String> lines = new ArrayList<>();
    lines.add(BATCH + " " + WARMUP + " " + REPS);
    for (Case c : cases) {
      lines.add(c.kind() + " " + c.channels() + " " + c.size());
    }
    Files.write(dir.resolve("cases.txt"), lines);

    Map<Case, List<double[]>> ours = new LinkedHashMap<>();
    Map<Case, List<double[]>> theirs = new LinkedHashMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      for (Case c : cases) {
        ours.computeIfAbsent(c, k -> new ArrayList<>()).add(measure(c));
      }
      RetrainBench.python(SCRIPT, dir, threads);
      List<String> result = Files.readAllLines(dir.resolve("times.txt"));
      for (int i = 0; i < cases.size(); i++) {
        String[] f = result.get(i).trim().split("\\s+");
        theirs
            .computeIfAbsent(cases.get(i), k -> new ArrayList<>())
            .add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])});
      }
    }
    System.out.println("torch: " + Files.readString(dir.resolve("torch_version.txt")).trim());

    System.out.printf(
        Locale.ROOT,
        "%-24s %10s %10s %7s %10s %10s %7s %7s%n",
        "operation (ms)",
        "ours fwd",
        "torch fwd",
        "ratio",
        "ours bwd",
        "torch bwd",
        "ratio",
        "both");
    double logSum = 0;
    int counted = 0;
    for (Case c : cases) {
      double[] o = mean(ours.get(c));
      double[] t = mean(theirs.get(c));
      double both = (o[0] + o[1]) / (t[0] + t[1]);
      System.out.printf(
          Locale.ROOT,
          "%-24s %10.3f %10.3f %7.2f %10.3f %10.3f %7.2f %7.2f%n",
          c.label(),
          o[0],
          t[0],
          o[0] / t[0],
          o[1],
          t[1],
          o[1] / t[1],
          both);
      if (!c.kind().equals("tiny-add")) {
        logSum += Math.log(both);
        counted++;
      }
    }
    double geometric = Math.exp(logSum / counted);
    System.out.printf(
        Locale.ROOT,
        "geometric mean over %d operations of (ours fwd+bwd) / (torch 1.13 fwd+bwd): %.3f%n",
        counted,
        geometric);
    return new Bench.Result(geometric, "x (geometric mean of per-operation ratios, ours / torch)");
  }

  /** The mean over rounds of each round's medians (forward ms, backward ms). */
  private static double[] mean(List<double[]> rounds) {
    double[] total = new double[2];
    for (double[] r : rounds) {
      total[0] += r[0] / rounds.size();
      total[1] += r[1] / rounds.size();
    }
    return total;
  }

  /** Median forward and backward milliseconds of one operation in DJL. */
  private static double[] measure(Case c) {
    double[] forward = new double[REPS];
    double[] backward = new double[REPS];
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(1);
      Shape input =
          c.kind().equals("tiny-add")
              ? new Shape(1)
              : new Shape(BATCH, c.channels(), c.size(), c.size());
      NDArray x0 = manager.randomNormal(input);
      List<NDArray> w0 = weights(manager, c);
      for (int i = 0; i < WARMUP + REPS; i++) {
        try (NDManager step = manager.newSubManager()) {
          NDArray x = x0.duplicate();
          x.attach(step);
          x.setRequiresGradient(true);
          List<NDArray> w = new ArrayList<>();
          for (NDArray weight : w0) {
            NDArray copy = weight.duplicate();
            copy.attach(step);
            copy.setRequiresGradient(true);
            w.add(copy);
          }
          try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            long t0 = System.nanoTime();
            NDArray y = apply(c, x, w);
            long t1 = System.nanoTime();
            collector.backward(y.sum());
            long t2 = System.nanoTime();
            if (i >= WARMUP) {
              forward[i - WARMUP] = (t1 - t0) / 1e6;
              backward[i - WARMUP] = (t2 - t1) / 1e6;
            }
          }
        }
      }
    }
    return new double[] {median(forward), median(backward)};
  }

  private static List<NDArray> weights(NDManager m, Case c) {
    int ch = c.channels();
    return switch (c.kind()) {
      case "conv3x3" -> List.of(m.randomNormal(new Shape(ch, ch, 3, 3)).mul(0.1));
      case "conv5x5" -> List.of(m.randomNormal(new Shape(ch, ch, 5, 5)).mul(0.1));
      case "conv1x1" -> List.of(m.randomNormal(new Shape(ch, ch, 1, 1)).mul(0.1));
      case "sepconv3x3", "sepconv5x5" -> {
        int k = c.kind().equals("sepconv3x3") ? 3 : 5;
        yield List.of(
            m.randomNormal(new Shape(ch, 1, k, k)).mul(0.1),
            m.randomNormal(new Shape(ch, ch, 1, 1)).mul(0.1),
            m.ones(new Shape(ch)),
            m.zeros(new Shape(ch)));
      }
      case "dwconv3x3" -> List.of(m.randomNormal(new Shape(ch, 1, 3, 3)).mul(0.1));
      case "dwconv5x5" -> List.of(m.randomNormal(new Shape(ch, 1, 5, 5)).mul(0.1));
      case "batchnorm" -> List.of(m.ones(new Shape(ch)), m.zeros(new Shape(ch)));
      case "add", "tiny-add" -> List.of(m.randomNormal(new Shape(1)));
      case "concat4" -> {
        List<NDArray> others = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
          others.add(m.randomNormal(new Shape(BATCH, ch, c.size(), c.size())));
        }
        yield others;
      }
      default -> List.of();
    };
  }

  private static NDArray apply(Case c, NDArray x, List<NDArray> w) {
    Shape one = new Shape(1, 1);
    return switch (c.kind()) {
      case "conv3x3" -> conv(x, w.get(0), 1, 1);
      case "conv5x5" -> conv(x, w.get(0), 2, 1);
      case "conv1x1" -> conv(x, w.get(0), 0, 1);
      case "dwconv3x3" -> conv(x, w.get(0), 1, c.channels());
      case "dwconv5x5" -> conv(x, w.get(0), 2, c.channels());
      case "batchnorm" -> batchNorm(x, w.get(0), w.get(1));
      case "sepconv3x3" -> sepConv(x, w, 1);
      case "sepconv5x5" -> sepConv(x, w, 2);
      case "relu" -> Activation.relu(x);
      case "maxpool3x3" -> Pool.maxPool2d(x, new Shape(3, 3), one, one, false);
      case "avgpool3x3" -> Pool.avgPool2d(x, new Shape(3, 3), one, one, false, false);
      case "add" -> x.add(x.mul(w.get(0)));
      case "tiny-add" -> x.add(w.get(0));
      case "concat4" -> {
        NDList all = new NDList(x);
        all.addAll(w);
        yield NDArrays.concat(all, 1);
      }
      default -> throw new IllegalArgumentException("unknown operation " + c.kind());
    };
  }

  /** One unit of the micro cell's separable convolution: ReLU, depthwise, pointwise, batch norm. */
  private static NDArray sepConv(NDArray x, List<NDArray> w, int padding) {
    NDArray y = Activation.relu(x);
    y = conv(y, w.get(0), padding, (int) x.getShape().get(1));
    y = conv(y, w.get(1), 0, 1);
    return batchNorm(y, w.get(2), w.get(3));
  }

  /** The engine's call: scratch running statistics, PyTorch's training-mode kernel. */
  private static NDArray batchNorm(NDArray x, NDArray gamma, NDArray beta) {
    NDManager m = x.getManager();
    long channels = x.getShape().get(1);
    NDArray mean = m.zeros(new Shape(channels));
    NDArray variance = m.ones(new Shape(channels));
    return BatchNorm.batchNorm(x, mean, variance, gamma, beta, -1, 0.9f, 1e-5f, true)
        .singletonOrThrow();
  }

  /**
   * A convolution as the engine runs it (DjlOps.paddedConv2d): a plain convolution's channel counts
   * that are not a multiple of oneDNN's 16-channel block are padded with zeros to one and the
   * output is cut back, the workaround for oneDNN 3.7.1 reading uninitialised block padding;
   * depthwise convolutions run unpadded. At 20 channels this is the engine's real cost; torch 1.13
   * convolves the 20 channels as they are.
   */
  private static NDArray conv(NDArray x, NDArray weight, int padding, int groups) {
    long in = x.getShape().get(1);
    long out = weight.getShape().get(0);
    boolean depthwise = groups > 1;
    long inPadded = depthwise ? in : (in + 15) / 16 * 16;
    long outPadded = depthwise ? in : (out + 15) / 16 * 16;
    if (inPadded != in) {
      x = x.pad(new Shape(0, 0, 0, 0, 0, inPadded - in), 0);
    }
    if (inPadded != in || outPadded != out) {
      long weightIn = depthwise ? 0 : inPadded - in;
      weight = weight.pad(new Shape(0, 0, 0, 0, 0, weightIn, 0, outPadded - out), 0);
    }
    NDArray y =
        Conv2d.conv2d(
                x,
                weight,
                null,
                new Shape(1, 1),
                new Shape(padding, padding),
                new Shape(1, 1),
                depthwise ? (int) inPadded : groups)
            .singletonOrThrow();
    return outPadded == out ? y : y.get(new NDIndex(":, :{}", out));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
