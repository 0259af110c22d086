package dev.enas.server.serving;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one ONNX Runtime session of a model version, shared by every request for it (a session runs
 * calls from many threads at once), and its lifetime: a version that leaves the repository is
 * retired, and its session closes when the last request still running on it has finished, so that
 * removing or replacing a model never pulls native memory from under a running inference.
 *
 * <p>Owns the {@link OrtSession}. Each {@link #run} owns the input tensors it creates and the
 * result, and closes both before it returns.
 */
final class LoadedSession {
  private static final Logger log = LoggerFactory.getLogger(LoadedSession.class);

  private final String label;
  private final OrtSession session;
  private final Runnable onClose;
  private int leases;
  private boolean retired;
  private boolean closed;

  /**
   * @param label model and version, for the log
   * @param onClose called once, after the session has been closed
   */
  LoadedSession(String label, OrtSession session, Runnable onClose) {
    this.label = label;
    this.session = session;
    this.onClose = onClose;
  }

  /** Takes a lease for one request; false once the session is retired. */
  synchronized boolean acquire() {
    if (retired) {
      return false;
    }
    leases++;
    return true;
  }

  /** Returns a lease; the last one of a retired session closes it. */
  void release() {
    boolean close;
    synchronized (this) {
      leases--;
      close = retired && leases == 0 && !closed;
      closed |= close;
    }
    if (close) {
      closeNow();
    }
  }

  /** Takes no new leases from now on and closes the session once none is out. */
  void retire() {
    boolean close;
    synchronized (this) {
      if (retired) {
        return;
      }
      retired = true;
      close = leases == 0;
      closed |= close;
    }
    if (close) {
      closeNow();
    }
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Runs the model. The caller holds a lease and has checked the inputs against the signature.
   *
   * @param outputs names of the outputs to compute, in the order wanted
   * @return the outputs by name, in that order, copied onto the Java heap
   */
  Map<String, Tensor> run(Map<String, ? extends Tensor> inputs, List<String> outputs) {
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ? extends Tensor> input : inputs.entrySet()) {
        feeds.put(input.getKey(), toOnnx(environment, input.getValue()));
      }
      try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputs))) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : outputs) {
          OnnxValue value =
              result
                  .get(name)
                  .orElseThrow(
                      () -> new InferenceException(label + " produced no output '" + name + "'"));
          if (!(value instanceof OnnxTensor tensor)) {
            throw new InferenceException(label + " output '" + name + "' is not a tensor");
          }
          out.put(name, fromOnnx(name, tensor));
        }
        return out;
      }
    } catch (OrtException e) {
      throw new InferenceException(label + " failed: " + e.getMessage(), e);
    } finally {
      List<OnnxTensor> created = new ArrayList<>(feeds.values());
      created.forEach(OnnxTensor::close);
    }
  }

  private static OnnxTensor toOnnx(OrtEnvironment environment, Tensor tensor) throws OrtException {
    if (tensor.isFloats()) {
      return OnnxTensor.createTensor(environment, tensor.floats(), tensor.shape());
    }
    return OnnxTensor.createTensor(environment, tensor.longs(), tensor.shape());
  }

  /** The output on the heap; the getters copy, so it outlives the result that owns the tensor. */
  private Tensor fromOnnx(String name, OnnxTensor tensor) {
    long[] shape = tensor.getInfo().getShape();
    OnnxJavaType type = tensor.getInfo().type;
    if (type == OnnxJavaType.FLOAT) {
      return Tensor.ofFloats(shape, tensor.getFloatBuffer());
    }
    if (type == OnnxJavaType.INT64) {
      return Tensor.ofLongs(shape, tensor.getLongBuffer());
    }
    throw new InferenceException(label + " output '" + name + "' holds " + type + " elements");
  }

  private void closeNow() {
    try {
      session.close();
      log.info("closed the session of {}", label);
    } catch (OrtException | RuntimeException e) {
      log.warn("closing the session of {} failed", label, e);
    } finally {
      onClose.run();
    }
  }
}
