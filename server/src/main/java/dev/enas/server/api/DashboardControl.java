package dev.enas.server.api;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.spec.SearchSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The dashboard's buttons, through {@link SearchServiceImpl} itself, so that a search started or
 * cancelled from the page passes the same checks, limits, ownership and audit as over gRPC. The
 * HTTP port signs its callers in for reading only: on a server with tokens every action is refused
 * (use gRPC with a token there); without tokens the page acts as gRPC's anonymous caller does.
 */
public final class DashboardControl implements SearchControl {
  private static final List<String> PRESETS = List.of("smoke", "demo", "paper");
  private static final List<String> SPACES = List.of("macro", "micro", "rnn");

  private final Supplier<SearchServiceImpl> services;
  private final boolean tokensRequired;

  /**
   * @param service the gRPC search service whose handlers answer, null until the gRPC server has
   *     started (the HTTP port starts first)
   * @param tokensRequired whether the server checks tokens; then the dashboard may change nothing
   */
  public DashboardControl(Supplier<SearchServiceImpl> service, boolean tokensRequired) {
    this.services = service;
    this.tokensRequired = tokensRequired;
  }

  @Override
  public List<String> presets() {
    return PRESETS;
  }

  @Override
  public CompletionStage<Search> start(String preset, String space, long seed, String searchId) {
    CompletionStage<Search> refused = refusal();
    if (refused != null) {
      return refused;
    }
    if (!SPACES.contains(space)) {
      return CompletableFuture.failedFuture(
          new SearchBackendException.InvalidArgument(
              "space",
              "must be one of " + SPACES + ", was " + SearchBackendException.quote(space)));
    }
    SearchSpec spec;
    switch (preset) {
      case "smoke":
        spec = SearchSpec.smoke(space, seed);
        break;
      case "demo":
        if (space.equals("micro")) {
          return CompletableFuture.failedFuture(
              new SearchBackendException.InvalidArgument(
                  "space", "the demo preset is a macro or rnn search, was micro"));
        }
        spec = withSeed(space.equals("rnn") ? SearchSpec.rnnDemo() : SearchSpec.demo(), seed);
        break;
      case "paper":
        spec = withSeed(SearchSpec.defaults(space), seed);
        break;
      default:
        return CompletableFuture.failedFuture(
            new SearchBackendException.InvalidArgument(
                "preset",
                "must be one of " + PRESETS + ", was " + SearchBackendException.quote(preset)));
    }
    CreateSearchRequest request =
        CreateSearchRequest.newBuilder()
            .setSpec(SpecMapper.toWire(spec))
            .setSearchId(searchId)
            .build();
    return call(searchId, observer -> services.get().createSearch(request, observer));
  }

  @Override
  public CompletionStage<Search> act(Action action, String searchId) {
    CompletionStage<Search> refused = refusal();
    if (refused != null) {
      return refused;
    }
    switch (action) {
      case CANCEL:
        return call(
            searchId,
            observer ->
                services
                    .get()
                    .cancelSearch(
                        CancelSearchRequest.newBuilder()
                            .setSearchId(searchId)
                            .setReason("cancelled from the dashboard")
                            .build(),
                        observer));
      case PAUSE:
        return call(
            searchId,
            observer ->
                services
                    .get()
                    .pauseSearch(
                        PauseSearchRequest.newBuilder().setSearchId(searchId).build(), observer));
      case RESUME:
        return call(
            searchId,
            observer ->
                services
                    .get()
                    .resumeSearch(
                        ResumeSearchRequest.newBuilder().setSearchId(searchId).build(), observer));
      case DELETE:
        return call(
            searchId,
            observer ->
                services
                    .get()
                    .deleteSearch(
                        DeleteSearchRequest.newBuilder().setSearchId(searchId).build(), observer));
      default:
        throw new IllegalArgumentException("unknown action " + action);
    }
  }

  private CompletionStage<Search> refusal() {
    if (services.get() == null) {
      return CompletableFuture.failedFuture(
          new SearchBackendException.FailedPrecondition(
              "server", "the server is still starting; try again"));
    }
    if (!tokensRequired) {
      return null;
    }
    return CompletableFuture.failedFuture(
        new SearchBackendException.PermissionDenied(
            "this server checks tokens and its HTTP port has none; start, cancel, pause, resume and"
                + " delete searches over gRPC with a token (client/enas --token-file)"));
  }

  private static SearchSpec withSeed(SearchSpec s, long seed) {
    return new SearchSpec(
        s.space(),
        s.data(),
        s.child(),
        s.shared(),
        s.controller(),
        s.derive(),
        s.retrain(),
        seed,
        s.languageModel());
  }

  /** Runs one handler with an observer that completes the returned stage. */
  private static CompletionStage<Search> call(
      String searchId, Consumer<StreamObserver<Search>> handler) {
    CompletableFuture<Search> answer = new CompletableFuture<>();
    handler.accept(
        new StreamObserver<>() {
          @Override
          public void onNext(Search value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable error) {
            answer.completeExceptionally(domain(error, searchId));
          }

          @Override
          public void onCompleted() {
            // the value came with onNext
          }
        });
    return answer;
  }

  /** A gRPC refusal as the domain exception the HTTP adapter maps to its status. */
  static Throwable domain(Throwable error, String searchId) {
    if (!(error instanceof StatusRuntimeException status)) {
      return error;
    }
    Status.Code code = status.getStatus().getCode();
    String description =
        status.getStatus().getDescription() == null
            ? code.toString()
            : status.getStatus().getDescription();
    switch (code) {
      case INVALID_ARGUMENT:
        return invalid(status, description);
      case NOT_FOUND:
        return new SearchBackendException.NotFound("enas.v1.Search", searchId, description);
      case ALREADY_EXISTS:
        return new SearchBackendException.AlreadyExists(description);
      case PERMISSION_DENIED:
        return new SearchBackendException.PermissionDenied(description);
      case FAILED_PRECONDITION:
      case RESOURCE_EXHAUSTED:
        return new SearchBackendException.FailedPrecondition(searchId, description);
      default:
        return error;
    }
  }

  /** The first field the status's BadRequest details name, as the service named it. */
  private static Throwable invalid(StatusRuntimeException status, String description) {
    com.google.rpc.Status details = StatusProto.fromThrowable(status);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        if (any.is(BadRequest.class)) {
          try {
            BadRequest bad = any.unpack(BadRequest.class);
            if (bad.getFieldViolationsCount() > 0) {
              BadRequest.FieldViolation first = bad.getFieldViolations(0);
              return new SearchBackendException.InvalidArgument(
                  first.getField(), first.getDescription());
            }
          } catch (InvalidProtocolBufferException e) {
            break;
          }
        }
      }
    }
    return new SearchBackendException.InvalidArgument("request", description);
  }
}
