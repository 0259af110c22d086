package dev.enas.export;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The provenance keys an exported model carries in its ONNX {@code metadata_props}, so a server or
 * a person can tell from the file alone which search, data and build produced it. Readers such as
 * the serving code use these names without touching the ONNX classes.
 */
public final class ModelMetadata {
  /** Caller-supplied: the id of the search that found the architecture. */
  public static final String SEARCH_ID = "search_id";

  /** Caller-supplied: the search's seed, a decimal long. */
  public static final String SEED = "seed";

  /** Caller-supplied: the search spec as text (what was asked for, not just the network shape). */
  public static final String SPEC = "spec";

  /** Caller-supplied: the dataset the network was trained and tested on. */
  public static final String DATASET = "dataset";

  /** Caller-supplied: accuracy on the test set as a decimal in [0, 1]. */
  public static final String TEST_ACCURACY = "test_accuracy";

  /** Caller-supplied: the version of the build that trained and exported the network. */
  public static final String BUILD_VERSION = "build_version";

  /** Derived: the architecture's canonical encoding, which its search space parses back. */
  public static final String ARCHITECTURE = "architecture";

  /** Derived: the search space's one-line description. */
  public static final String SEARCH_SPACE = "search_space";

  /** Derived: the network's depth, width and input shape (its {@code NetworkSpec}). */
  public static final String NETWORK_SPEC = "network_spec";

  /** Derived: the class labels in logit order, as a JSON array of strings. */
  public static final String CLASS_LABELS = "class_labels";

  /** Derived: the per-channel mean and std applied inside the graph, as a JSON object. */
  public static final String NORMALIZATION = "normalization";

  /** Derived: the ONNX IR version, repeated here for readers that see only metadata. */
  public static final String IR_VERSION = "ir_version";

  /** Derived: the default-domain opset version. */
  public static final String OPSET_VERSION = "opset_version";

  /** Derived: always {@code enas}. */
  public static final String PRODUCER_NAME = "producer_name";

  /** The keys every export needs from its caller; a model without them cannot be traced back. */
  public static final List<String> REQUIRED =
      List.of(SEARCH_ID, SEED, SPEC, DATASET, TEST_ACCURACY, BUILD_VERSION);

  /** The keys the exporter writes itself; a caller may not set them. */
  public static final Set<String> DERIVED =
      Set.of(
          ARCHITECTURE,
          SEARCH_SPACE,
          NETWORK_SPEC,
          CLASS_LABELS,
          NORMALIZATION,
          IR_VERSION,
          OPSET_VERSION,
          PRODUCER_NAME);

  private ModelMetadata() {}

  /**
   * Checks a caller's map: every required key present and well formed, no derived key overridden.
   * Further keys pass through unchanged.
   */
  static void check(Map<String, String> metadata) {
    for (String key : REQUIRED) {
      String value = metadata.get(key);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(
            "metadata needs a non-blank '" + key + "'; required keys are " + REQUIRED);
      }
    }
    for (String key : metadata.keySet()) {
      if (DERIVED.contains(key)) {
        throw new IllegalArgumentException(
            "metadata key '" + key + "' is written by the exporter from the network itself");
      }
      if (key.isBlank()) {
        throw new IllegalArgumentException("metadata keys must not be blank");
      }
    }
    try {
      Long.parseLong(metadata.get(SEED));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "metadata '" + SEED + "' must be a decimal long, was '" + metadata.get(SEED) + "'");
    }
    double accuracy;
    try {
      accuracy = Double.parseDouble(metadata.get(TEST_ACCURACY));
    } catch (NumberFormatException e) {
      accuracy = Double.NaN;
    }
    if (!(accuracy >= 0 && accuracy <= 1)) {
      throw new IllegalArgumentException(
          "metadata '"
              + TEST_ACCURACY
              + "' must be a number in [0, 1], was '"
              + metadata.get(TEST_ACCURACY)
              + "'");
    }
  }

  /** A JSON array of strings. */
  static String jsonStrings(List<String> values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      quote(values.get(i), out);
    }
    return out.append(']').toString();
  }

  /** A JSON array of finite floats; Java's float text is valid JSON and round-trips exactly. */
  static String jsonFloats(float[] values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(values[i]);
    }
    return out.append(']').toString();
  }

  private static void quote(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
