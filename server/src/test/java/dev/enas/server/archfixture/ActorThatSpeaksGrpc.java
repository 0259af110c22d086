package dev.enas.server.archfixture;

import io.grpc.Status;

/**
 * Deliberately wrong, and only in the test sources: a server class outside api and app that answers
 * with a gRPC status, names a gRPC adapter of the api package, builds a wire message and opens an
 * ONNX Runtime session, the last three by their fully qualified names. ArchitectureRulesTest shows
 * that the rules catch it.
 */
public final class ActorThatSpeaksGrpc {
  private ActorThatSpeaksGrpc() {}

  static Status refuse(String reason) {
    return Status.INVALID_ARGUMENT.withDescription(reason);
  }

  static Class<?> adapter() {
    return dev.enas.server.api.GrpcServer.class;
  }

  static Object wireMessage() {
    return dev.enas.proto.v1.Search.getDefaultInstance();
  }

  static Object session(byte[] model) throws Exception {
    return ai.onnxruntime.OrtEnvironment.getEnvironment().createSession(model);
  }
}
