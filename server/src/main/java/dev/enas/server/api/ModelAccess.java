package dev.enas.server.api;

import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataResponse;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The served models as the HTTP adapter (the dashboard's models page) reaches them: the Open
 * Inference Protocol's own messages, answered by the same code, sessions, thread pool and queue
 * bound as the gRPC ModelMetadata and ModelInfer. It names no gRPC class; a refusal fails the stage
 * with the {@link SearchBackendException} of the same meaning as the gRPC status.
 */
public interface ModelAccess {
  /** The names of every model in the repository, ready or not, sorted. */
  List<String> names();

  /** ModelMetadata of a model's default version. */
  CompletionStage<ModelMetadataResponse> metadata(String name);

  /** Why a model's default version does not serve; empty when it does. */
  String notReadyReason(String name);

  /** ModelInfer, run on the inference pool. */
  CompletionStage<ModelInferResponse> infer(ModelInferRequest request);
}
