package dev.enas.server.actor;

import java.io.IOException;
import java.util.Map;

/**
 * Where a finished search puts its exported model so that it is served: the server's model
 * repository, or a fake in tests that need no ONNX Runtime. Called off the actor threads, since
 * publishing writes files and loads the model.
 */
@FunctionalInterface
public interface ModelPublisher {

  /**
   * Publishes a new version of a model.
   *
   * @return the version number it was published as
   * @throws IllegalArgumentException if the name is not valid or the model cannot be loaded
   * @throws IOException if the files cannot be written
   */
  long publish(String modelName, byte[] model, Map<String, String> metadata) throws IOException;
}
