package dev.enas.server.serving;

/**
 * ONNX Runtime failed on a request that passed every check against the model's signature: a fault
 * of the model or the runtime rather than of the client, so callers report it as an internal error.
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InferenceException(String message) {
    super(message);
  }

  InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
