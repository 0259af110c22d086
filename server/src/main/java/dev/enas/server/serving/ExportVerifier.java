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
import dev.enas.export.RnnOnnxExporter;
import dev.enas.supernet.BatchNormMode;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.StandaloneNetwork;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Checks an exported model before it is served: ONNX Runtime (CPU) must compute the logits DJL
 * computes for the same network in evaluation mode, within an absolute tolerance, and the softmax
 * of them as probabilities. A model that fails is never published. A language model's step ({@link
 * RnnOnnxExporter}) is checked the same way over a whole sequence, with its hidden state fed back
 * ({@link #verifyLanguageModel}).
 *
 * <p>Native resources: each {@link #verify} or {@link #verifyLanguageModel} call owns and closes
 * its session options, {@code OrtSession}, input {@code OnnxTensor}s and {@code OrtSession.Result}s
 * (which own the output tensors); the {@code OrtEnvironment} is ONNX Runtime's process-wide
 * singleton and is never closed here. Thread-safe; the network it is given must not be used by
 * another thread meanwhile.
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

  /**
   * How closely ONNX Runtime matched the expected steps of a language model over a sequence.
   *
   * @param sequences the batch size
   * @param steps the tokens of each sequence, one step each
   * @param largestLogitDifference the largest absolute logit difference over every step
   * @param largestProbabilityDifference the largest absolute difference between ONNX Runtime's
   *     probabilities and the softmax of the expected logits
   * @param largestHiddenDifference the largest absolute difference of the next hidden state
   */
  public record StepAgreement(
      int sequences,
      int steps,
      double largestLogitDifference,
      double largestProbabilityDifference,
      double largestHiddenDifference) {}

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
    private final int step;

    MismatchException(String message, double difference, int image, int index, int step) {
      super(message, null);
      this.difference = difference;
      this.image = image;
      this.index = index;
      this.step = step;
    }

    /** The largest absolute difference (NaN if either side produced NaN there). */
    public double difference() {
      return difference;
    }

    /** The image of the batch where it occurred; for a language model, the sequence. */
    public int image() {
      return image;
    }

    /**
     * The class (logit or probability index) where it occurred; for a language model's hidden
     * state, the unit.
     */
    public int index() {
      return index;
    }

    /** The time step where a language model disagreed, from 0; -1 for a classifier. */
    public int step() {
      return step;
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

  /**
   * Runs a language model's one-step {@code model} in ONNX Runtime over {@code sequences}, token by
   * token, and compares every step's logits, probabilities and next hidden state with what {@code
   * expectedStep} gives for the same tokens. Each side starts from a zero hidden state and carries
   * its own: ONNX Runtime is fed its own {@code next_hidden}, as a client would feed it, and {@code
   * expectedStep} gets back what it returned, so a difference that builds up through the recurrence
   * is caught at the step where it leaves the tolerance.
   *
   * @param model the exported model's bytes (see {@link RnnOnnxExporter#toBytes})
   * @param sequences batch x steps token ids: row b is sequence b, all of one length, every id in
   *     0..vocabulary-1 of the model
   * @param expectedStep one step of the network the model was exported from, in evaluation mode:
   *     given the step's token ids (one per sequence) and the previous hidden state (batch x
   *     hidden, row-major), returns {logits (batch x vocabulary), next hidden state (batch x
   *     hidden)}, both row-major; for instance the DJL language model's step, or {@code
   *     RnnReference}
   * @throws MismatchException if a value differs by more than the tolerance; its message names the
   *     output, the largest difference, the step, the sequence and the index
   * @throws VerificationException if ONNX Runtime cannot load or run the model, or its inputs and
   *     outputs are not those of {@link RnnOnnxExporter}
   * @throws IllegalArgumentException if the sequences are empty, ragged or hold an id outside the
   *     vocabulary, or {@code expectedStep} returns arrays of the wrong sizes
   */
  public StepAgreement verifyLanguageModel(
      byte[] model, int[][] sequences, BiFunction<int[], float[], float[][]> expectedStep) {
    int batch = sequences.length;
    if (batch == 0 || sequences[0].length == 0) {
      throw new IllegalArgumentException("sequences must hold at least one token of one sequence");
    }
    int steps = sequences[0].length;
    for (int b = 1; b < batch; b++) {
      if (sequences[b].length != steps) {
        throw new IllegalArgumentException(
            "sequence "
                + b
                + " has "
                + sequences[b].length
                + " tokens, sequence 0 has "
                + steps
                + "; the sequences run side by side");
      }
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options)) {
        long[] sizes = checkStepInterface(session);
        int hidden = (int) sizes[0];
        int vocabulary = (int) sizes[1];
        for (int b = 0; b < batch; b++) {
          for (int t = 0; t < steps; t++) {
            if (sequences[b][t] < 0 || sequences[b][t] >= vocabulary) {
              throw new IllegalArgumentException(
                  "token "
                      + t
                      + " of sequence "
                      + b
                      + " is "
                      + sequences[b][t]
                      + ", outside the model's vocabulary 0.."
                      + (vocabulary - 1));
            }
          }
        }
        float[] ortHidden = new float[batch * hidden];
        float[] expectedHidden = new float[batch * hidden];
        double logits = 0;
        double probabilities = 0;
        double states = 0;
        for (int t = 0; t < steps; t++) {
          int[] tokens = new int[batch];
          long[] ids = new long[batch];
          for (int b = 0; b < batch; b++) {
            tokens[b] = sequences[b][t];
            ids[b] = tokens[b];
          }
          float[][] expected = expectedStep.apply(tokens, expectedHidden.clone());
          checkExpected(expected, batch, hidden, vocabulary);
          float[][] actual = runStep(env, session, ids, ortHidden, hidden, vocabulary);
          StepPosition at = new StepPosition(t, steps, batch);
          logits =
              Math.max(
                  logits, compareStep("logit", actual[0], toDouble(expected[0]), vocabulary, at));
          probabilities =
              Math.max(
                  probabilities,
                  compareStep(
                      "probability", actual[1], softmax(expected[0], vocabulary), vocabulary, at));
          states =
              Math.max(
                  states, compareStep("next_hidden", actual[2], toDouble(expected[1]), hidden, at));
          ortHidden = actual[2];
          expectedHidden = expected[1];
        }
        return new StepAgreement(batch, steps, logits, probabilities, states);
      }
    } catch (OrtException e) {
      throw new VerificationException(
          "ONNX Runtime could not load or run the exported model: " + e.getMessage(), e);
    }
  }

  /** Where in a sequence a comparison is, for the message of a mismatch. */
  private record StepPosition(int step, int steps, int batch) {}

  /** The hidden size and the vocabulary size the model declares, after checking its interface. */
  private static long[] checkStepInterface(OrtSession session) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    long[] hidden = shapeOf(inputs, RnnOnnxExporter.HIDDEN);
    long[] logits = shapeOf(outputs, RnnOnnxExporter.LOGITS);
    if (hidden.length != 2 || hidden[1] < 1 || logits.length != 2 || logits[1] < 1) {
      throw new VerificationException(
          "the exported model's hidden is "
              + Arrays.toString(hidden)
              + " and its logits "
              + Arrays.toString(logits)
              + "; expected [-1, hidden] and [-1, vocabulary] (-1: the dynamic batch)",
          null);
    }
    checkTensor(inputs, RnnOnnxExporter.TOKEN_IDS, OnnxJavaType.INT64, new long[] {-1});
    checkTensor(inputs, RnnOnnxExporter.HIDDEN, OnnxJavaType.FLOAT, new long[] {-1, hidden[1]});
    checkTensor(outputs, RnnOnnxExporter.LOGITS, OnnxJavaType.FLOAT, new long[] {-1, logits[1]});
    checkTensor(
        outputs, RnnOnnxExporter.PROBABILITIES, OnnxJavaType.FLOAT, new long[] {-1, logits[1]});
    checkTensor(
        outputs, RnnOnnxExporter.NEXT_HIDDEN, OnnxJavaType.FLOAT, new long[] {-1, hidden[1]});
    return new long[] {hidden[1], logits[1]};
  }

  private static long[] shapeOf(Map<String, NodeInfo> infos, String name) {
    NodeInfo info = infos.get(name);
    if (info == null || !(info.getInfo() instanceof TensorInfo tensor)) {
      throw new VerificationException(
          "the exported model has no tensor '" + name + "'; it has " + infos.keySet(), null);
    }
    return tensor.getShape();
  }

  private static void checkExpected(float[][] expected, int batch, int hidden, int vocabulary) {
    if (expected == null
        || expected.length != 2
        || expected[0] == null
        || expected[1] == null
        || expected[0].length != batch * vocabulary
        || expected[1].length != batch * hidden) {
      throw new IllegalArgumentException(
          "the expected step must return {logits of "
              + batch
              + " x "
              + vocabulary
              + ", next hidden state of "
              + batch
              + " x "
              + hidden
              + "} floats, returned "
              + describe(expected));
    }
  }

  private static String describe(float[][] arrays) {
    if (arrays == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(arrays.length + " arrays of sizes [");
    for (int i = 0; i < arrays.length; i++) {
      out.append(i == 0 ? "" : ", ").append(arrays[i] == null ? "null" : arrays[i].length);
    }
    return out.append(']').toString();
  }

  /** ONNX Runtime's logits, probabilities and next hidden state for one step, in that order. */
  private static float[][] runStep(
      OrtEnvironment env,
      OrtSession session,
      long[] ids,
      float[] hiddenState,
      int hidden,
      int vocabulary)
      throws OrtException {
    int batch = ids.length;
    try (OnnxTensor tokens =
            OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {batch});
        OnnxTensor state =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(hiddenState), new long[] {batch, hidden});
        OrtSession.Result result =
            session.run(
                Map.of(RnnOnnxExporter.TOKEN_IDS, tokens, RnnOnnxExporter.HIDDEN, state),
                Set.of(
                    RnnOnnxExporter.LOGITS,
                    RnnOnnxExporter.PROBABILITIES,
                    RnnOnnxExporter.NEXT_HIDDEN))) {
      return new float[][] {
        output(result, RnnOnnxExporter.LOGITS, new long[] {batch, vocabulary}),
        output(result, RnnOnnxExporter.PROBABILITIES, new long[] {batch, vocabulary}),
        output(result, RnnOnnxExporter.NEXT_HIDDEN, new long[] {batch, hidden})
      };
    }
  }

  /** As {@link #compare}, for one step of a language model; the message says where it is. */
  private double compareStep(
      String what, float[] actual, double[] expected, int width, StepPosition position) {
    Measured measured = measure(actual, expected);
    if (measured.failed()) {
      int at = measured.at();
      int sequence = at / width;
      int index = at % width;
      throw new MismatchException(
          String.format(
              "the exported language model disagrees with the expected step: largest %s"
                  + " difference %.3e at step %d of %d, sequence %d of %d, %s %d (ONNX Runtime"
                  + " %s, expected %s); tolerance %.1e + 1e-6 x |value|",
              what,
              measured.largest(),
              position.step(),
              position.steps(),
              sequence,
              position.batch(),
              what.equals("next_hidden") ? "unit" : "token",
              index,
              actual[at],
              expected[at],
              tolerance),
          measured.largest(),
          sequence,
          index,
          position.step());
    }
    return measured.largest();
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
        OnnxJavaType.FLOAT,
        new long[] {-1, spec.inputChannels(), spec.height(), spec.width()});
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    checkTensor(outputs, OnnxExporter.LOGITS, OnnxJavaType.FLOAT, new long[] {-1, spec.classes()});
    checkTensor(
        outputs, OnnxExporter.PROBABILITIES, OnnxJavaType.FLOAT, new long[] {-1, spec.classes()});
  }

  private static void checkTensor(
      Map<String, NodeInfo> infos, String name, OnnxJavaType type, long[] shape) {
    NodeInfo info = infos.get(name);
    if (info == null || !(info.getInfo() instanceof TensorInfo tensor)) {
      throw new VerificationException(
          "the exported model has no tensor '" + name + "'; it has " + infos.keySet(), null);
    }
    if (tensor.type != type || !Arrays.equals(tensor.getShape(), shape)) {
      throw new VerificationException(
          "the exported model's '"
              + name
              + "' is "
              + tensor
              + ", expected "
              + type
              + " "
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
          "ONNX Runtime's "
              + name
              + " is "
              + value.getInfo()
              + ", expected float "
              + Arrays.toString(shape),
          null);
    }
    FloatBuffer buffer = tensor.getFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  /**
   * The largest absolute difference, if every value is within the tolerance plus {@link
   * #RELATIVE_TOLERANCE} times its magnitude. A NaN on either side fails: it compares false with
   * any tolerance, so it must not be skipped as "not larger".
   */
  private double compare(String what, float[] actual, double[] expected, int classes, int batch) {
    Measured measured = measure(actual, expected);
    if (measured.failed()) {
      int at = measured.at();
      int image = at / classes;
      int index = at % classes;
      throw new MismatchException(
          String.format(
              "the exported model disagrees with the network: largest %s difference %.3e at"
                  + " image %d of %d, class %d (ONNX Runtime %s, DJL %s); tolerance %.1e"
                  + " + 1e-6 x |value|",
              what, measured.largest(), image, batch, index, actual[at], expected[at], tolerance),
          measured.largest(),
          image,
          index,
          -1);
    }
    return measured.largest();
  }

  /**
   * The largest absolute difference; when some value is out of tolerance, the one furthest out (or
   * the first NaN) and its difference instead.
   */
  private record Measured(double largest, int at, boolean failed) {}

  private Measured measure(float[] actual, double[] expected) {
    double largest = 0;
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double difference = Math.abs(actual[i] - expected[i]);
      if (Double.isNaN(difference)) {
        return new Measured(difference, i, true);
      }
      largest = Math.max(largest, difference);
      double excess = difference - (tolerance + RELATIVE_TOLERANCE * Math.abs(expected[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      return new Measured(Math.abs(actual[worst] - expected[worst]), worst, true);
    }
    return new Measured(largest, -1, false);
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
