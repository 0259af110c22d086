package dev.enas.server.app;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Tells every gRPC client where the dashboard is: each response's headers carry {@code
 * enas-http-port}, the port of the HTTP server beside this gRPC port, which {@code enas dashboard}
 * reads to print the dashboard's address from nothing but the gRPC one.
 */
final class DashboardHeader implements ServerInterceptor {
  /** The header's name; the CLI reads the same. */
  static final Metadata.Key<String> HTTP_PORT =
      Metadata.Key.of("enas-http-port", Metadata.ASCII_STRING_MARSHALLER);

  private final String port;

  DashboardHeader(int httpPort) {
    this.port = Integer.toString(httpPort);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(HTTP_PORT, port);
            super.sendHeaders(responseHeaders);
          }
        },
        headers);
  }
}
