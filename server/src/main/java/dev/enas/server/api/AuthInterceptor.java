package dev.enas.server.api;

import dev.enas.server.security.Principal;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one place that decides who may call what. A call presents {@code authorization: Bearer
 * TOKEN}; a missing or unknown token is UNAUTHENTICATED, a role below the method's is
 * PERMISSION_DENIED, and the caller travels in the gRPC {@link Context} to the services, which
 * check ownership of the search acted on. Health (and, when configured, reflection) stays open so
 * that probes and grpcurl work without a token. Without a token store every call is the {@linkplain
 * Principal#anonymous() anonymous admin}: the server then listens on loopback only. Methods not
 * listed here need the admin role, so a new RPC is closed until it is classified.
 */
public final class AuthInterceptor implements ServerInterceptor {
  /** The caller of the current call. */
  static final Context.Key<Principal> CALLER = Context.key("enas-caller");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SEARCH = "enas.v1.SearchService/";
  private static final Map<String, Role> ROLES =
      Map.ofEntries(
          Map.entry(SEARCH + "GetSearch", Role.VIEWER),
          Map.entry(SEARCH + "ListSearches", Role.VIEWER),
          Map.entry(SEARCH + "WatchSearch", Role.VIEWER),
          Map.entry(SEARCH + "GetArchitecture", Role.VIEWER),
          Map.entry(SEARCH + "ListArchitectures", Role.VIEWER),
          Map.entry(SEARCH + "ListDatasets", Role.VIEWER),
          Map.entry(SEARCH + "CreateSearch", Role.OPERATOR),
          Map.entry(SEARCH + "CancelSearch", Role.OPERATOR),
          Map.entry(SEARCH + "DeleteSearch", Role.OPERATOR),
          Map.entry(SEARCH + "DownloadModel", Role.OPERATOR),
          Map.entry(SEARCH + "PauseSearch", Role.OPERATOR),
          Map.entry(SEARCH + "ResumeSearch", Role.OPERATOR));

  /** Every method of the inference service (liveness, metadata, inference) is a viewer's. */
  private static final String INFERENCE = "inference.GRPCInferenceService";

  private static final String HEALTH = "grpc.health.v1.Health";
  private static final Set<String> REFLECTION =
      Set.of("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  private final TokenStore tokens;
  private final boolean openReflection;

  /**
   * @param tokens the token store, or null for a server without tokens (everyone is admin)
   * @param openReflection whether reflection answers without a token
   */
  public AuthInterceptor(TokenStore tokens, boolean openReflection) {
    this.tokens = tokens;
    this.openReflection = openReflection;
  }

  /** The caller of the current call: anonymous outside an intercepted call. */
  static Principal caller() {
    Principal principal = CALLER.get();
    return principal != null ? principal : Principal.anonymous();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (HEALTH.equals(service) || (openReflection && REFLECTION.contains(service))) {
      return next.startCall(call, headers);
    }
    Principal caller;
    if (tokens == null) {
      caller = Principal.anonymous();
    } else {
      Optional<Principal> found = bearer(headers.get(AUTHORIZATION)).flatMap(tokens::authenticate);
      if (found.isEmpty()) {
        return refuse(
            call,
            Status.UNAUTHENTICATED.withDescription(
                "a valid bearer token is required (metadata 'authorization: Bearer TOKEN')"));
      }
      caller = found.get();
      Role required =
          INFERENCE.equals(service)
              ? Role.VIEWER
              : ROLES.getOrDefault(call.getMethodDescriptor().getFullMethodName(), Role.ADMIN);
      if (!caller.role().includes(required)) {
        return refuse(
            call,
            Status.PERMISSION_DENIED.withDescription(
                "the "
                    + caller.role().label()
                    + " role may not call "
                    + call.getMethodDescriptor().getBareMethodName()
                    + " (it needs "
                    + required.label()
                    + ")"));
      }
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }

  private static Optional<String> bearer(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Optional.of(header.substring(7).trim());
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
