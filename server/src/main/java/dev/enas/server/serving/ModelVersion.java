package dev.enas.server.serving;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a model as the repository last found it: either ready, with its signature and
 * descriptive parameters, or not ready with the reason (a corrupt file, a type enas does not
 * serve). Immutable; a changed file on disk becomes a new ModelVersion at the next scan.
 */
public final class ModelVersion {
  private final String model;
  private final long version;
  private final Fingerprint fingerprint;
  private final LoadedSession session;
  private final String reason;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final boolean batched;
  private final Map<String, String> parameters;
  private final List<String> classLabels;
  private final Map<String, Long> indexBounds;

  private ModelVersion(
      String model,
      long version,
      Fingerprint fingerprint,
      LoadedSession session,
      String reason,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      boolean batched,
      Map<String, String> parameters,
      List<String> classLabels,
      Map<String, Long> indexBounds) {
    this.model = model;
    this.version = version;
    this.fingerprint = fingerprint;
    this.session = session;
    this.reason = reason;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.batched = batched;
    this.parameters = Map.copyOf(parameters);
    this.classLabels = List.copyOf(classLabels);
    this.indexBounds = Map.copyOf(indexBounds);
  }

  static ModelVersion ready(
      String model,
      long version,
      Fingerprint fingerprint,
      LoadedSession session,
      SessionLoader.Loaded loaded,
      Map<String, String> parameters) {
    return new ModelVersion(
        model,
        version,
        fingerprint,
        Objects.requireNonNull(session),
        "",
        loaded.inputs(),
        loaded.outputs(),
        loaded.batched(),
        parameters,
        loaded.classLabels(),
        loaded.indexBounds());
  }

  static ModelVersion failed(String model, long version, Fingerprint fingerprint, String reason) {
    return new ModelVersion(
        model,
        version,
        fingerprint,
        null,
        reason,
        List.of(),
        List.of(),
        false,
        Map.of(),
        List.of(),
        Map.of());
  }

  /** The model's name. */
  public String model() {
    return model;
  }

  /** The version number: the name of its folder. */
  public long version() {
    return version;
  }

  /** Whether the version serves inference. */
  public boolean ready() {
    return session != null;
  }

  /** Why the version is not ready; empty when it is. */
  public String reason() {
    return reason;
  }

  /** The tensors a request must give, in the model's order; empty when not ready. */
  public List<TensorSpec> inputs() {
    return inputs;
  }

  /** The tensors the model produces, in the model's order; empty when not ready. */
  public List<TensorSpec> outputs() {
    return outputs;
  }

  /**
   * Whether the first dimension of every input and output is a dynamic batch dimension, to which
   * the model's batch limit applies.
   */
  public boolean batched() {
    return batched;
  }

  /**
   * Descriptive parameters: the model's ONNX metadata entries (class_labels among them), then the
   * metadata it was published with, where the model file's own entries win on a clash.
   */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** Names of the classes of a classifier's output, in order; empty when the model has none. */
  public List<String> classLabels() {
    return classLabels;
  }

  /**
   * Inputs whose values index a table, by name, with the table's size: every value of such an input
   * must lie in 0..size-1. A language model exported by enas declares its {@code token_ids} so,
   * bounded by its vocabulary; other models have none.
   */
  public Map<String, Long> indexBounds() {
    return indexBounds;
  }

  /**
   * A hold on the version's session for one request, or empty when the version is not ready or has
   * just left the repository.
   */
  public Optional<ModelSession> acquire() {
    if (session == null || !session.acquire()) {
      return Optional.empty();
    }
    return Optional.of(new ModelSession(this, session));
  }

  Fingerprint fingerprint() {
    return fingerprint;
  }

  /** Retires the session, if any; it closes once no request holds it. */
  void retire() {
    if (session != null) {
      session.retire();
    }
  }

  @Override
  public String toString() {
    return "model '" + model + "' version " + version;
  }
}
