package dev.enas.archfixture;

import ai.djl.ndarray.NDManager;

/**
 * Deliberately wrong, and only in the test sources: an engine class that uses ONNX Runtime, DJL and
 * the ONNX protobuf classes from a package that may touch none of them. ArchitectureRulesTest shows
 * that the rules catch it. ONNX Runtime and OnnxMl appear as fully qualified names with no import,
 * which a test that read import lines walked past.
 */
public final class BreaksEveryEngineRule {
  private BreaksEveryEngineRule() {}

  static NDManager manager() {
    return NDManager.newBaseManager();
  }

  static String runtimeVersion() {
    return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
  }

  static Object emptyModel() {
    return ai.onnx.proto.OnnxMl.ModelProto.getDefaultInstance();
  }
}
