package dev.enas.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
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

  /**
   * Caller-supplied: the search spec (what was asked for, not just the network shape). The server
   * writes the protobuf JSON of the wire {@code enas.v1.SearchSpec}, every field set, so that a
   * client parses it back and starts the same search again.
   */
  public static final String SPEC = "spec";

  /** Caller-supplied: the dataset the network was trained and tested on. */
  public static final String DATASET = "dataset";

  /** Caller-supplied for a classifier: accuracy on the test set as a decimal in [0, 1]. */
  public static final String TEST_ACCURACY = "test_accuracy";

  /**
   * Caller-supplied for a language model: perplexity per token on the test set, a decimal of at
   * least 1 (a language model's counterpart of the test accuracy).
   */
  public static final String TEST_PERPLEXITY = "test_perplexity";

  /** Caller-supplied: the version of the build that trained and exported the network. */
  public static final String BUILD_VERSION = "build_version";

  /**
   * Caller-supplied, optional: PyTorch's intra-op thread count the search trained with, a decimal
   * int. The seed reproduces the network only at the same count.
   */
  public static final String INTRA_OP_THREADS = "intra_op_threads";

  /**
   * Caller-supplied, optional: the {@code ONEDNN_MAX_CPU_ISA} the search trained under, or
   * "default"; oneDNN's kernels, and so the bits a seed gives, depend on it.
   */
  public static final String ONEDNN_MAX_CPU_ISA = "onednn_max_cpu_isa";

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

  /**
   * Derived: what the model computes and so how to call it, {@code image_classifier} or {@code
   * language_model} (see {@link Kind}).
   */
  public static final String MODEL_KIND = "model_kind";

  /**
   * Derived for a language model: the vocabulary in id order, as a JSON array of strings (the form
   * of {@link #CLASS_LABELS}), so that a client maps words to token ids and logits back to words
   * from the model file alone. JSON rather than one word per line: a word may hold any character,
   * and every client language parses JSON.
   */
  public static final String VOCABULARY = "vocabulary";

  /** Derived for a language model: the width H of the hidden state, a decimal int. */
  public static final String HIDDEN_SIZE = "hidden_size";

  /** Derived for a language model: the id of {@code <eos>}, or -1 if the vocabulary lacks it. */
  public static final String EOS_ID = "eos_id";

  /** Derived for a language model: the id of {@code <unk>}, or -1 if the vocabulary lacks it. */
  public static final String UNK_ID = "unk_id";

  /**
   * The keys every classifier export needs from its caller; a model without them cannot be traced
   * back.
   */
  public static final List<String> REQUIRED =
      List.of(SEARCH_ID, SEED, SPEC, DATASET, TEST_ACCURACY, BUILD_VERSION);

  /** The keys the classifier exporter writes itself; a caller may not set them. */
  public static final Set<String> DERIVED =
      Set.of(
          ARCHITECTURE,
          SEARCH_SPACE,
          NETWORK_SPEC,
          CLASS_LABELS,
          NORMALIZATION,
          IR_VERSION,
          OPSET_VERSION,
          PRODUCER_NAME,
          MODEL_KIND);

  /**
   * The keys every language-model export needs from its caller: the classifier's, with the test
   * perplexity in place of the test accuracy.
   */
  public static final List<String> LANGUAGE_MODEL_REQUIRED =
      List.of(SEARCH_ID, SEED, SPEC, DATASET, TEST_PERPLEXITY, BUILD_VERSION);

  /** The keys the language-model exporter writes itself; a caller may not set them. */
  public static final Set<String> LANGUAGE_MODEL_DERIVED =
      Set.of(
          ARCHITECTURE,
          SEARCH_SPACE,
          VOCABULARY,
          HIDDEN_SIZE,
          EOS_ID,
          UNK_ID,
          IR_VERSION,
          OPSET_VERSION,
          PRODUCER_NAME,
          MODEL_KIND);

  /** The kinds of exported model, each with the keys its caller must give and may not give. */
  public enum Kind {
    /** An image classifier of the CNN spaces: {@code OnnxExporter}. */
    IMAGE_CLASSIFIER("image_classifier"),
    /** One step of a recurrent language model: {@code RnnOnnxExporter}. */
    LANGUAGE_MODEL("language_model");

    private final String value;

    Kind(String value) {
      this.value = value;
    }

    /** The value of {@link #MODEL_KIND} in a model of this kind. */
    public String value() {
      return value;
    }

    /** The keys a caller must give. */
    public List<String> required() {
      return this == IMAGE_CLASSIFIER ? REQUIRED : LANGUAGE_MODEL_REQUIRED;
    }

    /** The keys the exporter writes and a caller may not give. */
    public Set<String> derived() {
      return this == IMAGE_CLASSIFIER ? DERIVED : LANGUAGE_MODEL_DERIVED;
    }
  }

  private ModelMetadata() {}

  /**
   * Checks a caller's map for a model of {@code kind}: every required key present and well formed,
   * no derived key overridden. Further keys pass through unchanged; a test accuracy or perplexity
   * among them must still be well formed.
   */
  static void check(Map<String, String> metadata, Kind kind) {
    List<String> required = kind.required();
    for (String key : required) {
      String value = metadata.get(key);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(
            "metadata needs a non-blank '" + key + "'; required keys are " + required);
      }
    }
    for (String key : metadata.keySet()) {
      if (kind.derived().contains(key)) {
        throw new IllegalArgumentException(
            "metadata key '" + key + "' is written by the exporter from the model itself");
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
    if (metadata.containsKey(TEST_ACCURACY)) {
      double accuracy = number(metadata.get(TEST_ACCURACY));
      if (!(accuracy >= 0 && accuracy <= 1)) {
        throw new IllegalArgumentException(
            "metadata '"
                + TEST_ACCURACY
                + "' must be a number in [0, 1], was '"
                + metadata.get(TEST_ACCURACY)
                + "'");
      }
    }
    if (metadata.containsKey(TEST_PERPLEXITY)) {
      double perplexity = number(metadata.get(TEST_PERPLEXITY));
      // The exponential of a cross-entropy over a proper distribution is at least 1.
      if (!(perplexity >= 1 && perplexity < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException(
            "metadata '"
                + TEST_PERPLEXITY
                + "' must be a finite number of at least 1, was '"
                + metadata.get(TEST_PERPLEXITY)
                + "'");
      }
    }
  }

  private static double number(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException | NullPointerException e) {
      return Double.NaN;
    }
  }

  /** Every JSON value of the metadata goes through Jackson; a configured mapper is thread-safe. */
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A JSON array of strings, such as {@link #CLASS_LABELS} and {@link #VOCABULARY} hold. */
  static String jsonStrings(List<String> values) {
    return write(values);
  }

  /**
   * The {@link #NORMALIZATION} object: {@code {"mean":[...],"std":[...]}}, per channel. Floats are
   * written as Java prints them, which is valid JSON and reads back to the same float.
   */
  static String jsonNormalization(float[] mean, float[] std) {
    ObjectNode object = JSON.createObjectNode();
    ArrayNode means = object.putArray("mean");
    for (float value : mean) {
      means.add(value);
    }
    ArrayNode stds = object.putArray("std");
    for (float value : std) {
      stds.add(value);
    }
    return write(object);
  }

  /**
   * The strings of a JSON array of strings, as {@link #CLASS_LABELS} and {@link #VOCABULARY} hold
   * them.
   *
   * @throws IllegalArgumentException if {@code json} is not a JSON array whose every element is a
   *     string
   */
  public static List<String> parseStrings(String json) {
    JsonNode array;
    try {
      array = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("not a JSON array");
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isTextual()) {
        throw new IllegalArgumentException("element " + i + " is not a string: " + array.get(i));
      }
      out.add(array.get(i).textValue());
    }
    return List.copyOf(out);
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // Lists of strings and trees of numbers always serialise.
      throw new IllegalStateException(e);
    }
  }
}
