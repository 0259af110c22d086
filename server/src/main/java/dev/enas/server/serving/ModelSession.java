package dev.enas.server.serving;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's hold on a ready model version: while it is open the version's session stays open,
 * even if the version leaves the repository meanwhile. Close it when the request is done; the
 * request that opened it owns it.
 */
public final class ModelSession implements AutoCloseable {
  private final ModelVersion version;
  private final LoadedSession session;
  private final AtomicBoolean released = new AtomicBoolean();

  ModelSession(ModelVersion version, LoadedSession session) {
    this.version = version;
    this.session = session;
  }

  /** The version this session runs. */
  public ModelVersion version() {
    return version;
  }

  /**
   * Runs the model once. The inputs must match the version's signature, which the caller checks
   * first so that it can name the field at fault.
   *
   * @param inputs one tensor for each input of the model, by name, of the input's datatype
   * @param outputs the outputs to compute, by name, in the order wanted
   * @return the outputs by name, in the order asked for
   * @throws InferenceException if ONNX Runtime fails
   */
  public Map<String, Tensor> run(Map<String, ? extends Tensor> inputs, List<String> outputs) {
    if (released.get()) {
      throw new IllegalStateException("the session of " + version + " was closed");
    }
    return session.run(inputs, outputs);
  }

  @Override
  public void close() {
    if (released.compareAndSet(false, true)) {
      session.release();
    }
  }
}
