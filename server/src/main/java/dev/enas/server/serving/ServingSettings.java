package dev.enas.server.serving;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How models are served, read from the {@code enas.serving} section. Immutable and checked on
 * construction, so a bad value fails at start with its key rather than as odd behaviour later.
 *
 * @param repository the model repository folder; created if missing
 * @param scanInterval how often the folder is scanned for added, replaced and removed model files;
 *     zero scans only at start and on demand
 * @param maxBatch the largest batch (first dimension) one inference request may carry, for models
 *     whose first dimension is dynamic; a model's config.pbtxt may lower it for that model
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}: where sessions run. A GPU
 *     that is asked for but not usable falls back to the CPU with a warning in the log
 * @param intraOpThreads threads one inference may use inside ONNX Runtime; 0 lets ONNX Runtime
 *     choose (one per core), which competes with searches for the cores
 * @param threads inference requests that run at once
 * @param queue inference requests that may wait for a thread; the next one is refused with
 *     RESOURCE_EXHAUSTED rather than queued without bound
 * @param inlineMaxBytes requests whose serialized size is at most this many bytes run on the
 *     transport thread that read them, when one of the {@code threads} inference slots is free,
 *     instead of being handed to an inference thread: one thread hand-off less for a small batch.
 *     The transport thread serves other calls of the same connections meanwhile, so this bounds how
 *     long they may wait; 0 hands every request to the inference threads
 */
public record ServingSettings(
    Path repository,
    Duration scanInterval,
    int maxBatch,
    String device,
    int intraOpThreads,
    int threads,
    int queue,
    int inlineMaxBytes) {
  /**
   * The default of {@code enas.serving.inline-max-bytes}: a request with one 32 x 32 RGB image in
   * FP32 (12 KiB of pixels), or a few grey 28 x 28 ones.
   */
  public static final int DEFAULT_INLINE_MAX_BYTES = 16 * 1024;

  private static final Pattern DEVICE = Pattern.compile("auto|cpu|gpu(:\\d{1,3})?");

  public ServingSettings {
    Objects.requireNonNull(repository, "enas.serving.repository");
    Objects.requireNonNull(scanInterval, "enas.serving.scan-interval");
    Objects.requireNonNull(device, "enas.serving.device");
    if (scanInterval.isNegative()) {
      throw new IllegalArgumentException(
          "enas.serving.scan-interval must not be negative, was " + scanInterval);
    }
    if (maxBatch < 1 || maxBatch > 1_000_000) {
      throw new IllegalArgumentException(
          "enas.serving.max-batch must be in 1..1000000, was " + maxBatch);
    }
    if (!DEVICE.matcher(device).matches()) {
      throw new IllegalArgumentException(
          "enas.serving.device must be auto, cpu, gpu or gpu:N, was '" + device + "'");
    }
    if (intraOpThreads < 0 || intraOpThreads > 1024) {
      throw new IllegalArgumentException(
          "enas.serving.intra-op-threads must be in 0..1024, was " + intraOpThreads);
    }
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("enas.serving.threads must be in 1..1024, was " + threads);
    }
    if (queue < 0 || queue > 1_000_000) {
      throw new IllegalArgumentException("enas.serving.queue must be in 0..1000000, was " + queue);
    }
    if (inlineMaxBytes < 0 || inlineMaxBytes > 64 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "enas.serving.inline-max-bytes must be in 0..67108864, was " + inlineMaxBytes);
    }
  }

  /** Settings with the default {@code inline-max-bytes}. */
  public ServingSettings(
      Path repository,
      Duration scanInterval,
      int maxBatch,
      String device,
      int intraOpThreads,
      int threads,
      int queue) {
    this(
        repository,
        scanInterval,
        maxBatch,
        device,
        intraOpThreads,
        threads,
        queue,
        DEFAULT_INLINE_MAX_BYTES);
  }

  /**
   * Reads the {@code serving} section of the {@code enas} configuration. An empty repository means
   * {@code <data-dir>/models} and an empty device means the server's {@code device}; both are
   * resolved here rather than by HOCON substitution, because the command line overrides {@code
   * data-dir} and {@code device} after the file's substitutions have been resolved.
   */
  public static ServingSettings fromConfig(Config enas) {
    Config serving = enas.getConfig("serving");
    String repository = serving.getString("repository");
    String device = serving.getString("device");
    return new ServingSettings(
        repository.isEmpty() ? Path.of(enas.getString("data-dir"), "models") : Path.of(repository),
        serving.getDuration("scan-interval"),
        serving.getInt("max-batch"),
        device.isEmpty() ? enas.getString("device") : device,
        serving.getInt("intra-op-threads"),
        serving.getInt("threads"),
        serving.getInt("queue"),
        (int) Math.min(Integer.MAX_VALUE, serving.getBytes("inline-max-bytes")));
  }

  /** Whether a GPU is asked for outright (not {@code auto}). */
  boolean gpuRequested() {
    return device.startsWith("gpu");
  }

  /** The CUDA device number of {@code gpu:N}, 0 for {@code gpu} and {@code auto}. */
  int gpuId() {
    int colon = device.indexOf(':');
    return colon < 0 ? 0 : Integer.parseInt(device.substring(colon + 1));
  }
}
