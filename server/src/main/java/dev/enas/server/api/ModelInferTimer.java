package dev.enas.server.api;

import dev.enas.proto.inference.ModelInferRequest;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;

/**
 * Times every ModelInfer call from its arrival to its status and reports it with the model it asked
 * for, so that latency can be watched per model (the generic gRPC metrics know the method but not
 * the model). A plain callback keeps metrics libraries out of this package.
 */
public final class ModelInferTimer implements ServerInterceptor {
  /** Full name of the timed method. */
  public static final String METHOD = "inference.GRPCInferenceService/ModelInfer";

  /** Receives one finished call. */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param model the request's model_name; empty if no request arrived
     * @param status the canonical status code's name, for example OK or NOT_FOUND
     * @param nanos from the call's arrival to its status
     */
    void onInfer(String model, String status, long nanos);
  }

  private final Listener listener;

  public ModelInferTimer(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (!METHOD.equals(call.getMethodDescriptor().getFullMethodName())) {
      return next.startCall(call, headers);
    }
    long start = System.nanoTime();
    String[] model = {""};
    ServerCall<ReqT, RespT> timed =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            listener.onInfer(model[0], status.getCode().name(), System.nanoTime() - start);
            super.close(status, trailers);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(timed, headers)) {
      @Override
      public void onMessage(ReqT message) {
        // Server-wide interceptors run outside MalformedRequests, so they see its parse result.
        if (MalformedRequests.request(message) instanceof ModelInferRequest request) {
          model[0] = request.getModelName();
        }
        super.onMessage(message);
      }
    };
  }
}
