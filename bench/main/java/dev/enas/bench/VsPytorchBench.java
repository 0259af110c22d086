package dev.enas.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.enas.controller.Controllers;
import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import dev.enas.spec.ControllerSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StepProfile;
import dev.enas.supernet.Supernet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Our shared-weight training step against a plain PyTorch script's step of the same child, at the
 * paper's search shape: a sampled 12-layer macro child at 36 channels, and a sampled 5-node micro
 * child (2 normal cells per stage, 20 channels widening, the released code's micro search), on
 * 32x32x3 inputs in batches of 128. Ours is {@link Supernet#trainStep} (forward, loss, backward,
 * Nesterov step on the child's weights with clipping, batch-norm statistics); PyTorch's is {@code
 * bench/python/step_vs_pytorch.py} (the same network from the same initial tensors, {@code
 * torch.optim.SGD} Nesterov with the same momentum and weight decay, {@code clip_grad_norm_}),
 * Debian's torch 1.13 on the CPU at our intra-op thread count. Rounds alternate ours and theirs so
 * that the machine's load falls on both; the headline is the larger of the two children's median
 * step-time ratios (ours / PyTorch).
 *
 * <p>The images are Gaussian noise with uniform labels: step time does not depend on what the
 * pixels show, and the benchmark then needs no CIFAR-10 download.
 */
final class VsPytorchBench {
  private static final Path SCRIPT = Path.of("bench", "python", "step_vs_pytorch.py");
  private static final int BATCH = 128;
  private static final int BATCHES = 4;
  private static final int ROUNDS = 2;
  private static final int WARMUP = 2;
  private static final int STEPS = Integer.getInteger("enas.bench.steps", 6);
  private static final double LR = 0.05;

  /**
   * The macro child's width; 36 is the paper's. {@code -Denas.bench.channels=48} measures a width
   * at which the engine's convolutions need no channel padding (see DjlOps.paddedConv2d).
   */
  private static final int MACRO_CHANNELS = Integer.getInteger("enas.bench.channels", 36);

  /**
   * The micro child's first-stage width; 20 is the released code's. {@code
   * -Denas.bench.microChannels=16} or {@code 32} gives widths (16/32/64, 32/64/128) that need no
   * channel padding, to tell the padding's share of the micro step from the rest.
   */
  private static final int MICRO_CHANNELS = Integer.getInteger("enas.bench.microChannels", 20);

  /** {@code -Denas.bench.only=micro} (or {@code macro}) runs one of the two children. */
  private static final String ONLY = System.getProperty("enas.bench.only", "");

  private VsPytorchBench() {}

  static Bench.Result vsPytorch() throws Exception {
    int threads = describeOurs();
    System.out.printf(
        "%d rounds of (ours, pytorch), each %d warm-up + %d measured steps,"
            + " batch %d of 3x32x32%n",
        ROUNDS, WARMUP, STEPS, BATCH);

    MacroSpace macro = new MacroSpace(12);
    double macroRatio =
        ONLY.equals("micro")
            ? 0
            : compare(
                "macro",
                macro,
                new NetworkSpec(12, MACRO_CHANNELS, 10, 3, 32, 32, 0f, false),
                SgdSettings.macroDefaults(),
                Controllers.create(macro, ControllerSpec.macroDefaults(), 3)
                    .sample()
                    .architecture(),
                threads);
    MicroSpace micro = new MicroSpace(5);
    double microRatio =
        ONLY.equals("macro")
            ? 0
            : compare(
                "micro",
                micro,
                new NetworkSpec(2, MICRO_CHANNELS, 10, 3, 32, 32, 0f, true),
                SgdSettings.microDefaults(),
                Controllers.create(micro, ControllerSpec.microDefaults(), 3)
                    .sample()
                    .architecture(),
                threads);
    double worst = Math.max(macroRatio, microRatio);
    System.out.printf(
        "median step ratio ours/pytorch: macro %.3f, micro %.3f (goal <= 1.10)%n",
        macroRatio, microRatio);
    return new Bench.Result(worst, "x (larger median step-time ratio, ours / pytorch)");
  }

  private static double compare(
      String kind,
      SearchSpace space,
      NetworkSpec spec,
      SgdSettings sgd,
      Architecture child,
      int threads)
      throws Exception {
    List<float[]> images = new ArrayList<>();
    List<int[]> labels = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int b = 0; b < BATCHES; b++) {
      float[] x = new float[BATCH * spec.imageSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      int[] y = new int[BATCH];
      for (int i = 0; i < y.length; i++) {
        y[i] = random.nextInt(spec.classes());
      }
      images.add(x);
      labels.add(y);
    }
    System.out.printf("%s child %s, %s%n", kind, child.encode(), spec);
    Path dir = Files.createTempDirectory("vs-pytorch");
    List<Double> ours = new ArrayList<>();
    List<Double> theirs = new ArrayList<>();
    String torch = "?";
    try (Supernet supernet = Supernet.create(space, spec, sgd, 1)) {
      RetrainBench.writeTensors(dir, "init", supernet.state());
      Files.writeString(
          dir.resolve("run.txt"),
          "space "
              + kind
              + "\nbatch "
              + BATCH
              + "\ndepth "
              + spec.depth()
              + "\nin_channels "
              + spec.inputChannels()
              + "\nheight "
              + spec.height()
              + "\nwidth "
              + spec.width()
              + "\nmomentum "
              + sgd.momentum()
              + "\nweight_decay "
              + sgd.weightDecay()
              + "\nclip "
              + sgd.maxGradNorm()
              + "\nlr "
              + LR
              + "\nchild "
              + child.encode()
              + "\n");
      RetrainBench.writeFloats(dir.resolve("images.f32"), images);
      RetrainBench.writeInts(dir.resolve("labels.i32"), labels);
      int parameters = supernet.parametersOf(child).size();
      double[] ourPhases = new double[StepProfile.Phase.values().length];
      double[] theirPhases = new double[4];
      // Per measured step: minor page faults, user and system CPU ms of the whole process.
      double[] ourKernel = new double[3];
      double[] theirKernel = new double[3];
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < WARMUP + STEPS; i++) {
          int b = i % BATCHES;
          if (i == WARMUP) {
            StepProfile.enable(true);
          }
          long[] before = processStat();
          long t0 = System.nanoTime();
          supernet.trainStep(child, images.get(b), labels.get(b), LR);
          if (i >= WARMUP) {
            ours.add((System.nanoTime() - t0) / 1e9);
            long[] after = processStat();
            for (int k = 0; k < ourKernel.length; k++) {
              ourKernel[k] += (after[k] - before[k]) * (k == 0 ? 1.0 : 10.0) / (STEPS * ROUNDS);
            }
          }
        }
        for (Map.Entry<StepProfile.Phase, Double> e : StepProfile.meanMillis().entrySet()) {
          ourPhases[e.getKey().ordinal()] += e.getValue() / ROUNDS;
        }
        StepProfile.enable(false);
        RetrainBench.python(
            SCRIPT, dir, threads, Integer.toString(WARMUP), Integer.toString(STEPS));
        for (double s : RetrainBench.numbers(dir.resolve("step_seconds.txt"))) {
          theirs.add(s);
        }
        List<String> lines = Files.readAllLines(dir.resolve("phase_seconds.txt"));
        for (String line : lines) {
          String[] f = line.trim().split(" ");
          for (int k = 0; k < theirPhases.length; k++) {
            theirPhases[k] += Double.parseDouble(f[k]) * 1e3 / lines.size() / ROUNDS;
          }
        }
        List<String> usage = Files.readAllLines(dir.resolve("rusage.txt"));
        for (String line : usage) {
          String[] f = line.trim().split(" ");
          for (int k = 0; k < theirKernel.length; k++) {
            theirKernel[k] += Double.parseDouble(f[k]) * (k == 0 ? 1 : 1e3) / usage.size() / ROUNDS;
          }
        }
        torch = Files.readString(dir.resolve("torch_version.txt")).strip();
      }
      StringBuilder phases = new StringBuilder();
      for (StepProfile.Phase phase : StepProfile.Phase.values()) {
        phases.append(
            String.format(
                Locale.ROOT,
                " %s %.1f",
                phase.name().toLowerCase(Locale.ROOT),
                ourPhases[phase.ordinal()]));
      }
      System.out.printf("%s: ours, mean ms per step:%s%n", kind, phases);
      System.out.printf(
          Locale.ROOT,
          "%s: pytorch, mean ms per step: forward %.1f backward %.1f clip %.1f step %.1f%n",
          kind,
          theirPhases[0],
          theirPhases[1],
          theirPhases[2],
          theirPhases[3]);
      System.out.printf(
          Locale.ROOT,
          "%s: per step, minor page faults, user and system CPU ms: ours %.0f, %.0f, %.0f;"
              + " pytorch %.0f, %.0f, %.0f%n",
          kind,
          ourKernel[0],
          ourKernel[1],
          ourKernel[2],
          theirKernel[0],
          theirKernel[1],
          theirKernel[2]);
      String[] t = torch.split(" ");
      System.out.printf(
          "%s: pytorch torch %s, %s intra-op thread(s), %s weight tensors in its"
              + " optimizer; ours reads %d tensors (weights and statistics)%n",
          kind, t[0], t[1], t[2], parameters);
      double[] forward = Timing.measure(1, 4, () -> supernet.logits(child, images.get(0)));
      System.out.printf(
          "%s: ours forward only (no gradients, batch statistics): median %.1f ms%n",
          kind, Timing.percentile(forward, 50));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    double[] o = ours.stream().mapToDouble(Double::doubleValue).toArray();
    double[] p = theirs.stream().mapToDouble(Double::doubleValue).toArray();
    double ratio = Timing.percentile(o, 50) / Timing.percentile(p, 50);
    System.out.printf("%s: ours  %s%n", kind, Timing.summary(scale(o)));
    System.out.printf("%s: torch %s%n", kind, Timing.summary(scale(p)));
    System.out.printf("%s: median ratio ours/pytorch %.3f%n", kind, ratio);
    return ratio;
  }

  /**
   * Prints our side's library versions, thread count and the environment switches that change which
   * kernels and allocator paths both sides take (the PyTorch scripts inherit them).
   *
   * @return libtorch's intra-op thread count, which the PyTorch side is given too
   */
  static int describeOurs() {
    // The engine first: it loads the native library that JniUtils calls into.
    Engine engine = Engine.getEngine("PyTorch");
    int threads = JniUtils.getNumThreads();
    System.out.printf(
        "ours: DJL %s, libtorch %s, %d intra-op thread(s)%n",
        Engine.getDjlVersion(), engine.getVersion(), threads);
    for (String variable :
        List.of(
            "OMP_WAIT_POLICY",
            "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_",
            "MALLOC_TOP_PAD_",
            "THP_MEM_ALLOC_ENABLE",
            "ATEN_CPU_CAPABILITY",
            "ONEDNN_MAX_CPU_ISA")) {
      if (System.getenv(variable) != null) {
        System.out.printf("%s=%s%n", variable, System.getenv(variable));
      }
    }
    return threads;
  }

  /**
   * This process's minor page faults and its user and system CPU time in clock ticks (10 ms), from
   * {@code /proc/self/stat}; zeros where there is none.
   */
  static long[] processStat() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[7]), Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (java.io.IOException | RuntimeException e) {
      return new long[3];
    }
  }

  private static double[] scale(double[] seconds) {
    double[] ms = new double[seconds.length];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = seconds[i] * 1e3;
    }
    return ms;
  }
}
