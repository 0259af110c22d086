package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.enas.data.DataRoots;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.server.security.ResourceLimits;
import dev.enas.server.security.Role;
import dev.enas.server.security.SearchAdmission;
import dev.enas.server.security.SearchOwners;
import dev.enas.server.security.TokenStore;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC of both services against every role, with no token and a wrong one: what a role may not
 * call is PERMISSION_DENIED, a missing or bad token UNAUTHENTICATED, health stays open. Then
 * owners: an operator manages only its own searches, an admin every search, and a search may not
 * take over a model that is already in the repository.
 */
class AuthorizationTest {
  /** The role each method needs, written here independently of the interceptor's table. */
  private static final Map<String, Role> REQUIRED =
      Map.ofEntries(
          Map.entry("CreateSearch", Role.OPERATOR), Map.entry("GetSearch", Role.VIEWER),
          Map.entry("ListSearches", Role.VIEWER), Map.entry("CancelSearch", Role.OPERATOR),
          Map.entry("WatchSearch", Role.VIEWER), Map.entry("GetArchitecture", Role.VIEWER),
          Map.entry("ListArchitectures", Role.VIEWER), Map.entry("DownloadModel", Role.OPERATOR),
          Map.entry("DeleteSearch", Role.OPERATOR), Map.entry("ListDatasets", Role.VIEWER),
          Map.entry("PauseSearch", Role.OPERATOR), Map.entry("ResumeSearch", Role.OPERATOR),
          Map.entry("ServerLive", Role.VIEWER), Map.entry("ServerReady", Role.VIEWER),
          Map.entry("ModelReady", Role.VIEWER), Map.entry("ServerMetadata", Role.VIEWER),
          Map.entry("ModelMetadata", Role.VIEWER), Map.entry("ModelInfer", Role.VIEWER));

  @TempDir Path dir;
  private TestServer test;
  private final Map<String, String> tokens = new java.util.HashMap<>();

  @BeforeEach
  void start() throws IOException {
    Path file = dir.resolve("tokens");
    for (String name : List.of("viewer", "alice", "bob", "admin")) {
      Role role =
          switch (name) {
            case "viewer" -> Role.VIEWER;
            case "admin" -> Role.ADMIN;
            default -> Role.OPERATOR;
          };
      tokens.put(name, TokenStore.add(file, name, role));
    }
    SearchAdmission admission =
        new SearchAdmission(
            DataRoots.none(),
            ResourceLimits.defaults(),
            SearchOwners.inMemory(),
            name -> name.equals("hand-placed"));
    test =
        TestServer.start(
            new GrpcSettings(2, 2, 64, Duration.ofSeconds(5), admission),
            100,
            new AuthInterceptor(TokenStore.open(file), true),
            List.of(new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {}));
  }

  @AfterEach
  void stop() {
    test.close();
  }

  private io.grpc.Channel as(String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
    }
    return ClientInterceptors.intercept(
        test.channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Calls a method with its empty request and answers the status it ended with. */
  @SuppressWarnings("unchecked")
  private static Status.Code call(io.grpc.Channel channel, MethodDescriptor<?, ?> method) {
    MethodDescriptor<Message, Object> typed = (MethodDescriptor<Message, Object>) method;
    Message request =
        (Message)
            ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
    try {
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.blockingUnaryCall(channel, typed, CallOptions.DEFAULT, request);
      } else {
        Iterator<Object> it =
            ClientCalls.blockingServerStreamingCall(
                channel,
                typed,
                CallOptions.DEFAULT.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS),
                request);
        while (it.hasNext()) {
          it.next();
        }
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void everyRoleAgainstEveryRpc() {
    List<MethodDescriptor<?, ?>> methods = new java.util.ArrayList<>();
    for (ServiceDescriptor service :
        List.of(
            SearchServiceGrpc.getServiceDescriptor(),
            GRPCInferenceServiceGrpc.getServiceDescriptor())) {
      methods.addAll(service.getMethods());
    }
    assertThat(methods)
        .extracting(MethodDescriptor::getBareMethodName)
        .as("every RPC has a required role in this test")
        .allMatch(REQUIRED::containsKey);
    for (MethodDescriptor<?, ?> method : methods) {
      String name = method.getBareMethodName();
      assertThat(call(as(null), method))
          .as(name + " without a token")
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(call(as("enas.alice.not-the-secret"), method))
          .as(name + " with a bad token")
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(call(as("Basic " + tokens.get("admin")), method))
          .as(name + " not bearer")
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      for (String who : List.of("viewer", "alice", "admin")) {
        Role role =
            who.equals("viewer") ? Role.VIEWER : who.equals("admin") ? Role.ADMIN : Role.OPERATOR;
        Status.Code code = call(as(tokens.get(who)), method);
        if (role.includes(REQUIRED.get(name))) {
          assertThat(code)
              .as(name + " as " + who)
              .isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
        } else {
          assertThat(code).as(name + " as " + who).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
      }
    }
  }

  @Test
  void healthIsOpenWithoutAToken() {
    assertThat(
            HealthGrpc.newBlockingStub(as(null))
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatusValue())
        .isEqualTo(1);
  }

  @Test
  void anOperatorManagesOnlyItsOwnSearchesAndAnAdminEverySearch() {
    SearchServiceGrpc.SearchServiceBlockingStub alice =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("alice")));
    SearchServiceGrpc.SearchServiceBlockingStub bob =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("bob")));
    SearchServiceGrpc.SearchServiceBlockingStub admin =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("admin")));
    SearchServiceGrpc.SearchServiceBlockingStub viewer =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("viewer")));
    for (String id : List.of("alices", "alices-2")) {
      alice.createSearch(
          CreateSearchRequest.newBuilder()
              .setSearchId(id)
              .setSpec(SearchServiceTest.macro())
              .build());
    }
    test.backend.publishModel("alices", new byte[] {1, 2, 3});

    assertThat(code(() -> bob.cancelSearch(cancel("alices"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> bob.deleteSearch(delete("alices"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    bob.pauseSearch(PauseSearchRequest.newBuilder().setSearchId("alices").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    bob.resumeSearch(
                        ResumeSearchRequest.newBuilder().setSearchId("alices").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> bob.downloadModel(download("alices")).forEachRemaining(c -> {})))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> bob.cancelSearch(cancel("nobody-has-it"))))
        .isEqualTo(Status.Code.NOT_FOUND);
    // Viewers see every search.
    assertThat(
            viewer
                .getSearch(
                    dev.enas.proto.v1.GetSearchRequest.newBuilder().setSearchId("alices").build())
                .getId())
        .isEqualTo("alices");

    Iterator<ModelChunk> chunks = alice.downloadModel(download("alices"));
    assertThat(chunks.next().getTotalSize()).isEqualTo(3);
    chunks.forEachRemaining(c -> {});
    assertThat(alice.cancelSearch(cancel("alices")).getId()).isEqualTo("alices");
    assertThat(admin.cancelSearch(cancel("alices-2")).getId()).isEqualTo("alices-2");
  }

  @Test
  void theAuditLogSaysWhoDidWhatToWhichSearchAndNeverAToken() {
    ch.qos.logback.classic.Logger audit =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("enas.audit");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    audit.addAppender(lines);
    ch.qos.logback.classic.Level level = audit.getLevel();
    // The tests' root logger is at WARN; the server's (logback.xml) at INFO.
    audit.setLevel(ch.qos.logback.classic.Level.INFO);
    try {
      SearchServiceGrpc.SearchServiceBlockingStub alice =
          SearchServiceGrpc.newBlockingStub(as(tokens.get("alice")));
      SearchServiceGrpc.SearchServiceBlockingStub bob =
          SearchServiceGrpc.newBlockingStub(as(tokens.get("bob")));
      alice.createSearch(
          CreateSearchRequest.newBuilder()
              .setSearchId("audited")
              .setSpec(SearchServiceTest.macro())
              .build());
      code(() -> bob.cancelSearch(cancel("audited")));
      // This backend keeps no journal, so it refuses to pause; the refusal is audited too.
      code(() -> alice.pauseSearch(PauseSearchRequest.newBuilder().setSearchId("audited").build()));
      alice.resumeSearch(ResumeSearchRequest.newBuilder().setSearchId("audited").build());
      alice.cancelSearch(cancel("audited"));
      alice.deleteSearch(delete("audited"));
    } finally {
      audit.detachAppender(lines);
      audit.setLevel(level);
    }
    List<String> messages =
        lines.list.stream()
            .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(messages)
        .containsExactly(
            "alice operator create search=audited done",
            "bob operator cancel search=audited not done (PermissionDenied)",
            "alice operator pause search=audited not done (FailedPrecondition)",
            "alice operator resume search=audited done",
            "alice operator cancel search=audited done",
            "alice operator delete search=audited done");
    for (String token : tokens.values()) {
      String secret = token.substring(token.lastIndexOf('.') + 1);
      assertThat(String.join("\n", messages)).doesNotContain(secret);
    }
  }

  @Test
  void anOwnerMayRunOnlyAsManySearchesAsTheLimitSays() {
    SearchServiceGrpc.SearchServiceBlockingStub alice =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("alice")));
    SearchServiceGrpc.SearchServiceBlockingStub bob =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("bob")));
    CreateSearchRequest create =
        CreateSearchRequest.newBuilder().setSpec(SearchServiceTest.macro()).build();
    alice.createSearch(create);
    String second = alice.createSearch(create).getId();
    // The default limit is two running searches per owner.
    assertThat(code(() -> alice.createSearch(create))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(code(() -> bob.createSearch(create))).isEqualTo(Status.Code.OK);
    alice.cancelSearch(cancel(second));
    assertThat(code(() -> alice.createSearch(create)))
        .as("after a cancel")
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void aSearchCannotTakeOverAModelAlreadyInTheRepository() {
    SearchServiceGrpc.SearchServiceBlockingStub admin =
        SearchServiceGrpc.newBlockingStub(as(tokens.get("admin")));
    StatusRuntimeException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                admin.createSearch(
                    CreateSearchRequest.newBuilder()
                        .setSearchId("hand-placed")
                        .setSpec(SearchServiceTest.macro())
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(e.getStatus().getDescription()).contains("model repository");
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static CancelSearchRequest cancel(String id) {
    return CancelSearchRequest.newBuilder().setSearchId(id).build();
  }

  private static DeleteSearchRequest delete(String id) {
    return DeleteSearchRequest.newBuilder().setSearchId(id).build();
  }

  private static DownloadModelRequest download(String id) {
    return DownloadModelRequest.newBuilder().setSearchId(id).build();
  }
}
