package dev.enas.server.serving;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.enas.data.Normalization;
import dev.enas.export.OnnxExporter;
import dev.enas.supernet.BatchNormMode;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.StandaloneNetwork;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Checks an exported model before it is served: ONNX Runtime (CPU) must compute the logits DJL
 * computes for the same network in evaluation mode, within an absolute tolerance, and the softmax
 * of them as probabilities. A model that fails is never published.
 *
 * <p>Native resources: each {@link #verify} call owns and closes its session options, {@code
 * OrtSession}, input {@code OnnxTensor} and {@code OrtSession.Result} (which owns the output
 * tensors); the {@code OrtEnvironment} is ONNX Runtime's process-wide singleton and is never
 * closed here. Thread-safe; the network it is given must not be used by another thread meanwhile.
 */
public final class ExportVerifier {
  /** Absolute, on logits: float32 rounding of a small network stays orders of magnitude below. */
  public static final double DEFAULT_TOLERANCE = 1e-4;
  /**
   * Added per unit of magnitude: float32 rounding grows with the value, and a well-trained
   * network's logits reach the hundreds, where 1e-4 is below a few ulps (seen: 1.07e-4 at 244).
   */
  public static final double RELATIVE_TOLERANCE = 1e-6;

  private final double tolerance;

  /** A verifier with {@link #DEFAULT_TOLERANCE}. */
  public ExportVerifier() {
    this(DEFAULT_TOLERANCE);
  }

  public ExportVerifier(double tolerance) {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException("tolerance must be finite and >= 0, was " + tolerance);
    }
    this.tolerance = tolerance;
  }

  public double tolerance() {
    return tolerance;
  }

  /**
   * How closely ONNX Runtime matched DJL on one batch.
   *
   * @param images the batch size
   * @param largestLogitDifference the largest absolute logit difference
   * @param largestProbabilityDifference the largest absolute difference between ONNX Runtime's
   *     probabilities and the softmax of DJL's logits
   */
  public record Agreement(
      int images, double largestLogitDifference, double largestProbabilityDifference) {}

  /** The exported model could not be loaded or run, or does not have the exporter's interface. */
  public static class VerificationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VerificationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** ONNX Runtime and DJL disagree beyond the tolerance; the message says by how much and where. */
  public static final class MismatchException extends VerificationException {
    private static final long serialVersionUID = 1L;

    private final double difference;
    private final int image;
    private final int index;

    MismatchException(String message, double difference, int image, int index) {
      super(message, null);
      this.difference = difference;
      this.image = image;
      this.index = index;
    }

    /** The largest absolute difference (NaN if either side produced NaN there). */
    public double difference() {
      return difference;
    }

    /** The image of the batch where it occurred. */
    public int image() {
      return image;
    }

    /** The class (logit or probability index) where it occurred. */
    public int index() {
      return index;
    }
  }

  /**
   * Runs {@code model} in ONNX Runtime on {@code images} and compares with {@code network}'s
   * evaluation-mode forward pass on the same images normalised by {@code normalization}.
   *
   * @param model the exported model's bytes (see {@link OnnxExporter#toBytes})
   * @param images N x C x H x W raw pixels scaled to [0, 1], the exported model's input
   * @throws MismatchException if a logit or probability differs by more than the tolerance
   * @throws VerificationException if ONNX Runtime cannot load or run the model, or its inputs and
   *     outputs are not the exporter's
   * @throws IllegalArgumentException if the images do not fit the network or leave [0, 1]
   */
  public Agreement verify(
      byte[] model, StandaloneNetwork network, Normalization normalization, float[] images) {
    NetworkSpec spec = network.spec();
    int batch = batchOf(spec, normalization, images);
    float[] normalised = normalise(spec, normalization, images);
    float[] expected = network.logits(normalised, BatchNormMode.RUNNING);
    float[][] actual = run(model, spec, images, batch);
    double logits = compare("logit", actual[0], toDouble(expected), spec.classes(), batch);
    double probabilities =
        compare("probability", actual[1], softmax(expected, spec.classes()), spec.classes(), batch);
    return new Agreement(batch, logits, probabilities);
  }

  /** ONNX Runtime's logits and probabilities, in that order. */
  private static float[][] run(byte[] model, NetworkSpec spec, float[] images, int batch) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // One check of a few images: a thread pool per session would cost more than it saves.
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options)) {
        checkInterface(session, spec);
        long[] shape = {batch, spec.inputChannels(), spec.height(), spec.width()};
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), shape);
            OrtSession.Result result =
                session.run(
                    Map.of(OnnxExporter.INPUT, input),
                    Set.of(OnnxExporter.LOGITS, OnnxExporter.PROBABILITIES))) {
          long[] expectedShape = {batch, spec.classes()};
          return new float[][] {
            output(result, OnnxExporter.LOGITS, expectedShape),
            output(result, OnnxExporter.PROBABILITIES, expectedShape)
          };
        }
      }
    } catch (OrtException e) {
      throw new VerificationException(
          "ONNX Runtime could not load or run the exported model: " + e.getMessage(), e);
    }
  }

  /** The names, element types and shapes the exporter promises, batch dimension free. */
  private static void checkInterface(OrtSession session, NetworkSpec spec) throws OrtException {
    checkTensor(
        session.getInputInfo(),
        OnnxExporter.INPUT,
        new long[] {-1, spec.inputChannels(), spec.height(), spec.width()});
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    checkTensor(outputs, OnnxExporter.LOGITS, new long[] {-1, spec.classes()});
    checkTensor(outputs, OnnxExporter.PROBABILITIES, new long[] {-1, spec.classes()});
  }

  private static void checkTensor(Map<String, NodeInfo> infos, String name, long[] shape) {
    NodeInfo info = infos.get(name);
    if (info == null || !(info.getInfo() instanceof TensorInfo tensor)) {
      throw new VerificationException(
          "the exported model has no tensor '" + name + "'; it has " + infos.keySet(), null);
    }
    if (tensor.type != OnnxJavaType.FLOAT || !Arrays.equals(tensor.getShape(), shape)) {
      throw new VerificationException(
          "the exported model's '"
              + name
              + "' is "
              + tensor
              + ", expected float "
              + Arrays.toString(shape)
              + " (-1: the dynamic batch)",
          null);
    }
  }

  private static float[] output(OrtSession.Result result, String name, long[] shape)
      throws OrtException {
    OnnxValue value =
        result
            .get(name)
            .orElseThrow(() -> new VerificationException("ONNX Runtime returned no " + name, null));
    if (!(value instanceof OnnxTensor tensor)
        || !Arrays.equals(tensor.getInfo().getShape(), shape)) {
      throw new VerificationException(
          "ONNX Runtime's " + name + " is " + value.getInfo() + ", expected float "
              + Arrays.toString(shape),
          null);
    }
    FloatBuffer buffer = tensor.getFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  /**
   * The largest absolute difference, if every value is within the tolerance plus
   * {@link #RELATIVE_TOLERANCE} times its magnitude. A NaN on either side fails: it compares
   * false with any tolerance, so it must not be skipped as "not larger".
   */
  private double compare(
      String what, float[] actual, double[] expected, int classes, int batch) {
    double largest = 0;
    int at = 0;
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double difference = Math.abs(actual[i] - expected[i]);
      if (Double.isNaN(difference)) {
        largest = difference;
        worst = i;
        break;
      }
      if (difference > largest) {
        largest = difference;
        at = i;
      }
      double excess = difference - (tolerance + RELATIVE_TOLERANCE * Math.abs(expected[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      at = worst;
      largest = Math.abs(actual[at] - expected[at]);
      int image = at / classes;
      int index = at % classes;
      throw new MismatchException(
          String.format(
              "the exported model disagrees with the network: largest %s difference %.3e at"
                  + " image %d of %d, class %d (ONNX Runtime %s, DJL %s); tolerance %.1e"
                  + " + 1e-6 x |value|",
              what,
              largest,
              image,
              batch,
              index,
              actual[at],
              expected[at],
              tolerance),
          largest,
          image,
          index);
    }
    return largest;
  }

  private static int batchOf(NetworkSpec spec, Normalization normalization, float[] images) {
    if (normalization.channels() != spec.inputChannels()) {
      throw new IllegalArgumentException(
          "the normalisation has "
              + normalization.channels()
              + " channels, the network takes "
              + spec.inputChannels());
    }
    if (images.length == 0 || images.length % spec.imageSize() != 0) {
      throw new IllegalArgumentException(
          "images must hold N >= 1 images of "
              + spec.inputChannels()
              + " x "
              + spec.height()
              + " x "
              + spec.width()
              + " floats, found "
              + images.length
              + " floats");
    }
    for (int i = 0; i < images.length; i++) {
      // Normalised images passed by mistake would be normalised twice and still "agree".
      if (!(images[i] >= 0f && images[i] <= 1f)) {
        throw new IllegalArgumentException(
            "image values are pixels scaled to [0, 1]; value " + i + " is " + images[i]);
      }
    }
    return images.length / spec.imageSize();
  }

  /** (x - mean) / std in float32, the exported graph's Sub and Div. */
  private static float[] normalise(NetworkSpec spec, Normalization normalization, float[] images) {
    float[] mean = normalization.mean();
    float[] std = normalization.std();
    int plane = spec.height() * spec.width();
    float[] out = new float[images.length];
    for (int i = 0; i < images.length; i++) {
      int channel = (i / plane) % spec.inputChannels();
      out[i] = (images[i] - mean[channel]) / std[channel];
    }
    return out;
  }

  private static double[] toDouble(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /** Row-wise softmax in double, shifted by the row maximum so no exponential overflows. */
  private static double[] softmax(float[] logits, int classes) {
    double[] out = new double[logits.length];
    for (int row = 0; row < logits.length; row += classes) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        max = Math.max(max, logits[row + k]);
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        out[row + k] = Math.exp(logits[row + k] - max);
        sum += out[row + k];
      }
      for (int k = 0; k < classes; k++) {
        out[row + k] /= sum;
      }
    }
    return out;
  }
}
