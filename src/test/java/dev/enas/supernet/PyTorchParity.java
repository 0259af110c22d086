package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * The Java end of the PyTorch parity tests: writes initial tensors, batches and a run description
 * in the plain format {@code parity/enas_parity.py} reads (text manifests, little-endian float32
 * and int32 files), runs that script under Debian's {@code python3-torch}, and reads back its
 * losses, the tensors each step read and every tensor after the last step.
 */
final class PyTorchParity {
  static final String PYTHON = "/usr/bin/python3";
  static final String SCRIPT = "enas_parity.py";
  private static final long TIMEOUT_SECONDS = 300;

  /** Importing torch takes a second: probed once per test run. */
  private static final Supplier<String> PROBE =
      new Supplier<>() {
        private String result;
        private boolean done;

        @Override
        public synchronized String get() {
          if (!done) {
            result = probe();
            done = true;
          }
          return result;
        }
      };

  private PyTorchParity() {}

  /**
   * Skips the calling test when python3 or torch is missing, saying so on standard error (quiet
   * builds hide skipped tests); under CI (environment variable CI=true) a missing torch fails
   * instead, since the guard must not silently stop guarding there.
   */
  static void assumeTorch(String test) {
    String missing = PROBE.get();
    if (missing == null) {
      return;
    }
    String message =
        "python3 with torch is needed (Debian package python3-torch: apt-get install"
            + " -y python3-torch): "
            + missing;
    if ("true".equals(System.getenv("CI"))) {
      fail(message + "; " + test + " cannot run under CI without it");
    }
    System.err.println("SKIPPED: " + message + "; " + test + " did not run");
    Assumptions.abort(message);
  }

  /** Null when python3 imports torch and numpy, else what went wrong. */
  private static String probe() {
    try {
      Output run = run(List.of(PYTHON, "-c", "import torch, numpy"), 60);
      return run.exit() == 0 ? null : "'import torch, numpy' failed: " + run.text().strip();
    } catch (IOException e) {
      return PYTHON + " could not be started: " + e.getMessage();
    }
  }

  /** What a process printed (standard output and error together) and its exit status. */
  record Output(int exit, String text) {}

  /**
   * Runs a command with its output drained by a thread while it runs (a full pipe would block it),
   * and kills it after {@code seconds}.
   */
  static Output run(List<String> command, long seconds) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PARITY_THREADS", "1");
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process process = builder.start();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try (InputStream in = process.getInputStream()) {
                in.transferTo(sink);
              } catch (IOException e) {
                // The process was killed; what was read so far is reported.
              }
            },
            "parity-output");
    drain.start();
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        drain.join(10_000);
        throw new AssertionError(
            command
                + " did not finish in "
                + seconds
                + " s; it printed:\n"
                + sink.toString(StandardCharsets.UTF_8));
      }
      drain.join(10_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + command, e);
    }
    return new Output(process.exitValue(), sink.toString(StandardCharsets.UTF_8));
  }

  /** Copies the script out of the test class path into {@code dir} and runs it on {@code dir}. */
  static void runScript(Path dir) throws IOException {
    Path script = dir.resolve(SCRIPT);
    try (InputStream in = PyTorchParity.class.getResourceAsStream("parity/" + SCRIPT)) {
      assertThat(in).as("test resource parity/%s", SCRIPT).isNotNull();
      Files.copy(in, script);
    }
    Output out = run(List.of(PYTHON, script.toString(), dir.toString()), TIMEOUT_SECONDS);
    assertThat(out.exit()).as("%s exited with output:%n%s", SCRIPT, out.text()).isZero();
  }

  /** The run description: "key value" lines, then one "step LR STARTS ARCH" line per step. */
  static final class Run {
    private final StringBuilder text = new StringBuilder();

    Run set(String key, Object value) {
      text.append(key).append(' ').append(value).append('\n');
      return this;
    }

    Run sgd(SgdSettings sgd) {
      return set("momentum", sgd.momentum())
          .set("weight_decay", sgd.weightDecay())
          .set("clip", sgd.maxGradNorm());
    }

    Run step(double learningRate, boolean startsPass, String architecture) {
      text.append("step ")
          .append(learningRate)
          .append(' ')
          .append(startsPass ? 1 : 0)
          .append(' ')
          .append(architecture)
          .append('\n');
      return this;
    }

    void write(Path dir) throws IOException {
      Files.writeString(dir.resolve("run.txt"), text);
    }
  }

  /** Writes {@code prefix}.txt (name, W or S, shape), .f32 (values), .momentum.f32 (weights). */
  static void writeTensors(Path dir, String prefix, List<TensorState> tensors) throws IOException {
    StringBuilder manifest = new StringBuilder();
    List<float[]> values = new ArrayList<>();
    List<float[]> momenta = new ArrayList<>();
    for (TensorState t : tensors) {
      String shape =
          Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining("x"));
      manifest.append(t.name()).append(t.trainable() ? " W " : " S ").append(shape).append('\n');
      values.add(t.values());
      if (t.trainable()) {
        momenta.add(t.momentum());
      }
    }
    Files.writeString(dir.resolve(prefix + ".txt"), manifest);
    writeFloats(dir.resolve(prefix + ".f32"), values);
    writeFloats(dir.resolve(prefix + ".momentum.f32"), momenta);
  }

  /** Reads what {@link #writeTensors} writes (the script writes the same format back). */
  static Map<String, TensorState> readTensors(Path dir, String prefix) throws IOException {
    FloatReader values = new FloatReader(Files.readAllBytes(dir.resolve(prefix + ".f32")));
    FloatReader momenta =
        new FloatReader(Files.readAllBytes(dir.resolve(prefix + ".momentum.f32")));
    Map<String, TensorState> tensors = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve(prefix + ".txt"))) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(" ");
      long[] shape = Arrays.stream(parts[2].split("x")).mapToLong(Long::parseLong).toArray();
      int size = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
      float[] value = values.next(size);
      float[] momentum = parts[1].equals("W") ? momenta.next(size) : null;
      tensors.put(parts[0], new TensorState(parts[0], shape, value, momentum));
    }
    assertThat(values.done() && momenta.done())
        .as("%s files match their manifest", prefix)
        .isTrue();
    return tensors;
  }

  static void writeFloats(Path file, List<float[]> arrays) throws IOException {
    int total = arrays.stream().mapToInt(a -> a.length).sum();
    ByteBuffer buffer = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] a : arrays) {
      for (float v : a) {
        buffer.putFloat(v);
      }
    }
    Files.write(file, buffer.array());
  }

  static void writeInts(Path file, List<int[]> arrays) throws IOException {
    int total = arrays.stream().mapToInt(a -> a.length).sum();
    ByteBuffer buffer = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    for (int[] a : arrays) {
      for (int v : a) {
        buffer.putInt(v);
      }
    }
    Files.write(file, buffer.array());
  }

  static double[] readLosses(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("losses.txt")).stream()
        .filter(l -> !l.isBlank())
        .mapToDouble(Double::parseDouble)
        .toArray();
  }

  /** Per step, the names of the tensors the script's forward pass read. */
  static List<List<String>> readUsed(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("used.txt")).stream()
        .map(l -> l.isBlank() ? List.<String>of() : List.of(l.strip().split(" ")))
        .toList();
  }

  private static final class FloatReader {
    private final ByteBuffer buffer;

    FloatReader(byte[] bytes) {
      buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    float[] next(int size) {
      float[] out = new float[size];
      try {
        buffer.asFloatBuffer().get(out);
      } catch (RuntimeException e) {
        throw new UncheckedIOException(new IOException("value file too short", e));
      }
      buffer.position(buffer.position() + 4 * size);
      return out;
    }

    boolean done() {
      return !buffer.hasRemaining();
    }
  }
}
