package dev.enas.server.archfixture;

import io.grpc.Status;

/**
 * Deliberately wrong, and only in the test sources: a server class outside api and app that
 * answers with a gRPC status, names a gRPC adapter of the api package and opens an ONNX Runtime
 * session, the last two by their fully qualified names.
 * ArchitectureRulesTest shows that the rules catch it.
 */
public final class ActorThatSpeaksGrpc {
  private ActorThatSpeaksGrpc() {}

  static Status refuse(String reason) {
    return Status.INVALID_ARGUMENT.withDescription(reason);
  }

  static Class<?> adapter() {
    return dev.enas.server.api.GrpcServer.class;
  }

  static Object session(byte[] model) throws Exception {
    return ai.onnxruntime.OrtEnvironment.getEnvironment().createSession(model);
  }
}
