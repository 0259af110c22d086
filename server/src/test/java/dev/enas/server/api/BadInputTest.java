package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ResourceInfo;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.ControllerSpec;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DataSpec;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchSpec;
import dev.enas.proto.v1.SpaceSpec;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.train.SearchEvent;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets INVALID_ARGUMENT or NOT_FOUND naming the field, and the server
 * serves the next good request as if nothing had happened.
 */
class BadInputTest {
  private final TestServer test = TestServer.start(64, 3);

  @AfterEach
  void stop() {
    test.close();
  }

  /** Every optional number of the spec, each with values outside any range the spec accepts. */
  static Stream<Arguments> outOfRange() {
    List<Arguments> cases = new ArrayList<>();
    for (SearchSpace space :
        List.of(SearchSpace.SEARCH_SPACE_MACRO, SearchSpace.SEARCH_SPACE_MICRO)) {
      collect(SearchSpec.getDescriptor(), "spec", List.of(), space, cases);
    }
    return cases.stream();
  }

  private static void collect(
      Descriptor message,
      String path,
      List<FieldDescriptor> route,
      SearchSpace space,
      List<Arguments> cases) {
    for (FieldDescriptor field : message.getFields()) {
      List<FieldDescriptor> next = new ArrayList<>(route);
      next.add(field);
      String fieldPath = path + "." + field.getName();
      switch (field.getJavaType()) {
        case MESSAGE:
          collect(field.getMessageType(), fieldPath, next, space, cases);
          break;
        case INT:
          for (int bad : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            cases.add(Arguments.of(space, fieldPath, next, bad));
          }
          break;
        case DOUBLE:
          for (double bad : new double[] {-1, 1e300, Double.NaN, Double.POSITIVE_INFINITY}) {
            cases.add(Arguments.of(space, fieldPath, next, bad));
          }
          break;
        default:
          // Seeds take any int64; the data set and the enums have cases of their own below.
          break;
      }
    }
  }

  @ParameterizedTest(name = "{0} {1} = {3}")
  @MethodSource("outOfRange")
  void eachSpecNumberOutOfRangeIsNamed(
      SearchSpace space, String path, List<FieldDescriptor> route, Object value) {
    SearchSpec.Builder spec =
        SearchSpec.newBuilder().setSpace(SpaceSpec.newBuilder().setKind(space));
    set(spec, route, value);

    assertInvalid(() -> create(spec.build()), path);
    assertGoodRequestStillWorks();
  }

  @Test
  void everyFieldWrongAtOnceIsReportedWithinTheTrailerBudget() {
    SearchSpec.Builder spec =
        SearchSpec.newBuilder()
            .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MICRO));
    outOfRange()
        .map(Arguments::get)
        .filter(a -> a[0] == SearchSpace.SEARCH_SPACE_MICRO && ((Number) a[3]).intValue() == -1)
        .forEach(
            a -> {
              @SuppressWarnings("unchecked")
              List<FieldDescriptor> route = (List<FieldDescriptor>) a[2];
              set(spec, route, a[3]);
            });

    StatusRuntimeException e = assertInvalidStatus(() -> create(spec.build()));
    // Details travel in trailers, which clients cap at 8 KiB by default: they are bounded.
    assertThat(violations(e))
        .hasSize(32)
        .extracting(BadRequest.FieldViolation::getField)
        .contains("spec.space.layers", "spec.shared.epochs", "spec.controller.learning_rate");
    assertThat(e.getStatus().getDescription()).contains("fields in all");
    assertThat(StatusProto.fromThrowable(e).toByteArray().length).isLessThan(6 * 1024);
    assertGoodRequestStillWorks();
  }

  @Test
  void unknownSpacesAndMismatchedDataAreNamed() {
    assertInvalid(() -> create(SearchSpec.getDefaultInstance()), "spec.space.kind");
    StatusRuntimeException rnnOnImages =
        assertInvalidStatus(
            () ->
                create(
                    SearchSpec.newBuilder()
                        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_RNN))
                        .setData(DataSpec.newBuilder().setDataset("fashion-mnist"))
                        .build()));
    assertThat(violations(rnnOnImages))
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly("spec.data.dataset");
    StatusRuntimeException zeroBptt =
        assertInvalidStatus(
            () ->
                create(
                    SearchSpec.newBuilder()
                        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_RNN))
                        .setLanguageModel(
                            dev.enas.proto.v1.LanguageModelSpec.newBuilder().setBpttSteps(0))
                        .build()));
    assertThat(violations(zeroBptt))
        .extracting(BadRequest.FieldViolation::getField, BadRequest.FieldViolation::getDescription)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "spec.language_model.bptt_steps", "must be in 1..1000, was 0"));
    assertInvalid(
        () ->
            create(
                SearchSpec.newBuilder().setSpace(SpaceSpec.newBuilder().setKindValue(99)).build()),
        "spec.space.kind");
    assertInvalid(
        () ->
            create(
                SearchServiceTest.macro().toBuilder()
                    .setController(ControllerSpec.newBuilder().setKindValue(7))
                    .build()),
        "spec.controller.kind");
    assertGoodRequestStillWorks();
  }

  @Test
  void unknownOrAbsurdDataSetsAreNamed() {
    for (String dataset : List.of("imagenet", "", "idx:", "cifar10:", "x".repeat(100_000))) {
      StatusRuntimeException e =
          assertInvalidStatus(
              () ->
                  create(
                      SearchServiceTest.macro().toBuilder()
                          .setData(DataSpec.newBuilder().setDataset(dataset))
                          .build()));
      assertThat(violations(e))
          .extracting(BadRequest.FieldViolation::getField)
          .containsExactly("spec.data.dataset");
      assertThat(e.getStatus().getDescription()).hasSizeLessThan(1000);
    }
    assertGoodRequestStillWorks();
  }

  @Test
  void unknownSearchIdsAreNotFoundEverywhere() {
    GetSearchRequest get = GetSearchRequest.newBuilder().setSearchId("nope").build();
    List<Runnable> calls =
        List.of(
            () -> test.blocking.getSearch(get),
            () ->
                test.blocking.cancelSearch(
                    CancelSearchRequest.newBuilder().setSearchId("nope").build()),
            () ->
                test.blocking
                    .watchSearch(WatchSearchRequest.newBuilder().setSearchId("nope").build())
                    .next(),
            () ->
                test.blocking.getArchitecture(
                    GetArchitectureRequest.newBuilder().setSearchId("nope").build()),
            () ->
                test.blocking.listArchitectures(
                    ListArchitecturesRequest.newBuilder().setSearchId("nope").build()));
    for (Runnable call : calls) {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription()).contains("search_id").contains("'nope'");
      assertThat(detail(e, ResourceInfo.class).getResourceName()).isEqualTo("nope");
    }
    assertGoodRequestStillWorks();
  }

  /**
   * A caller's 100,000-character id is refused, and does not come back whole: the message and the
   * details stay within the trailer budget, which a client enforces by closing the whole
   * connection.
   */
  @Test
  void anOversizedIdIsRefusedWithABoundedStatus() {
    String id = "x".repeat(100_000);
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> test.blocking.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("search_id").hasSizeLessThan(1_000);
    assertThat(StatusProto.fromThrowable(e).getSerializedSize()).isLessThan(4_096);
    assertGoodRequestStillWorks();
  }

  /**
   * A body that is not a valid request message is the caller's mistake: INVALID_ARGUMENT naming the
   * expected type, not the UNKNOWN that grpc-java answers a parse failure with.
   */
  @Test
  void aBodyThatIsNotARequestMessageIsInvalidArgument() {
    MethodDescriptor.Marshaller<byte[]> bytes =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(java.io.InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (java.io.IOException ex) {
              throw new java.io.UncheckedIOException(ex);
            }
          }
        };
    MethodDescriptor<byte[], byte[]> raw =
        SearchServiceGrpc.getGetSearchMethod().toBuilder(bytes, bytes).build();
    // Field 1 (search_id) announced as 100 bytes long, followed by 2.
    byte[] truncated = {0x0a, 100, 'a', 'b'};
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> ClientCalls.blockingUnaryCall(test.channel, raw, CallOptions.DEFAULT, truncated));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("the request body is not a valid enas.v1.GetSearchRequest message");
    assertGoodRequestStillWorks();
  }

  @Test
  void badRequestFieldsOutsideTheSpecAreNamed() {
    String id = test.backend.newSearch();
    test.backend.append(id, new SearchEvent.ArchitectureSampled(1, 0, "macro: 0", 0.5, -1, 1, 0));

    assertInvalid(
        () -> test.blocking.getSearch(GetSearchRequest.getDefaultInstance()), "search_id");
    assertInvalid(
        () ->
            test.blocking.getSearch(
                GetSearchRequest.newBuilder().setSearchId("z".repeat(1_000_000)).build()),
        "search_id");
    assertInvalid(
        () ->
            create(
                CreateSearchRequest.newBuilder()
                    .setSearchId("Bad Id!")
                    .setSpec(SearchServiceTest.macro())
                    .build()),
        "search_id");
    assertInvalid(
        () -> test.blocking.listSearches(ListSearchesRequest.newBuilder().setPageSize(-5).build()),
        "page_size");
    assertInvalid(
        () ->
            test.blocking.listSearches(ListSearchesRequest.newBuilder().addStatesValue(0).build()),
        "states[0]");
    assertInvalid(
        () ->
            test.blocking.listSearches(
                ListSearchesRequest.newBuilder().addStatesValue(2).addStatesValue(77).build()),
        "states[1]");
    assertInvalid(
        () ->
            test.blocking.cancelSearch(
                CancelSearchRequest.newBuilder()
                    .setSearchId(id)
                    .setReason("r".repeat(5000))
                    .build()),
        "reason");
    assertInvalid(
        () ->
            test.blocking
                .watchSearch(
                    WatchSearchRequest.newBuilder().setSearchId(id).setFromSequence(-1).build())
                .next(),
        "from_sequence");
    assertInvalid(
        () ->
            test.blocking
                .watchSearch(
                    WatchSearchRequest.newBuilder()
                        .setSearchId(id)
                        .setFromSequence(Long.MAX_VALUE)
                        .build())
                .next(),
        "from_sequence");
    assertInvalid(
        () ->
            test.blocking.getArchitecture(
                GetArchitectureRequest.newBuilder().setSearchId(id).setIndex(-1).build()),
        "index");
    assertInvalid(
        () ->
            test.blocking.listArchitectures(
                ListArchitecturesRequest.newBuilder().setSearchId(id).setOrderByValue(9).build()),
        "order_by");

    StatusRuntimeException past =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                test.blocking.getArchitecture(
                    GetArchitectureRequest.newBuilder().setSearchId(id).setIndex(1).build()));
    assertThat(past.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(past.getStatus().getDescription()).contains("index 1").contains("holds 1");
    assertGoodRequestStillWorks();
  }

  @Test
  void malformedOrForeignPageTokensAreNamed() {
    for (int i = 0; i < 3; i++) {
      test.backend.newSearch();
    }
    String token =
        test.blocking
            .listSearches(ListSearchesRequest.newBuilder().setPageSize(1).build())
            .getNextPageToken();
    assertThat(token).isNotEmpty();

    for (String bad :
        List.of(
            "garbage",
            "%%%",
            token + "A",
            "A".repeat(4096),
            token.substring(0, token.length() - 2) + "zz")) {
      assertInvalid(
          () ->
              test.blocking.listSearches(
                  ListSearchesRequest.newBuilder().setPageToken(bad).build()),
          "page_token");
    }
    // A token of an unfiltered listing does not fit a filtered one, nor another search's history.
    assertInvalid(
        () ->
            test.blocking.listSearches(
                ListSearchesRequest.newBuilder().setPageToken(token).addStatesValue(1).build()),
        "page_token");
    assertInvalid(
        () ->
            test.blocking.listArchitectures(
                ListArchitecturesRequest.newBuilder()
                    .setSearchId("s-1")
                    .setPageToken(token)
                    .build()),
        "page_token");
    assertThat(
            test.blocking
                .listSearches(
                    ListSearchesRequest.newBuilder().setPageSize(1).setPageToken(token).build())
                .getSearchesCount())
        .isEqualTo(1);
  }

  @Test
  void stateConflictsCapacityAndBackendBugsGetTheirOwnCodes() {
    String done = test.backend.newSearch();
    test.backend.append(done, new SearchEvent.Finished("macro: 0", 0.9, 10, 1));
    StatusRuntimeException finished =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                test.blocking.cancelSearch(
                    CancelSearchRequest.newBuilder().setSearchId(done).build()));
    assertThat(finished.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(finished.getStatus().getDescription()).contains("SUCCEEDED");

    create(
        CreateSearchRequest.newBuilder()
            .setSpec(SearchServiceTest.macro())
            .setSearchId("taken")
            .build());
    StatusRuntimeException taken =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                create(
                    CreateSearchRequest.newBuilder()
                        .setSpec(SearchServiceTest.macro())
                        .setSearchId("taken")
                        .build()));
    assertThat(taken.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);

    CreateSearchRequest another =
        CreateSearchRequest.newBuilder().setSpec(SearchServiceTest.macro()).build();
    create(another);
    create(another);
    StatusRuntimeException full =
        catchThrowableOfType(StatusRuntimeException.class, () -> create(another));
    assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(full.getStatus().getDescription()).contains("at most 3 concurrent searches");

    test.backend.failNextCall(new IllegalStateException("secret detail of a bug"));
    StatusRuntimeException bug =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> test.blocking.getSearch(GetSearchRequest.newBuilder().setSearchId(done).build()));
    assertThat(bug.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(bug.getStatus().getDescription()).contains("reference").doesNotContain("secret");
    assertThat(
            test.blocking
                .getSearch(GetSearchRequest.newBuilder().setSearchId(done).build())
                .getId())
        .isEqualTo(done);
  }

  /** Validate-only, so that bad-input cases never use up the backend's capacity. */
  private Search create(SearchSpec spec) {
    return create(CreateSearchRequest.newBuilder().setSpec(spec).setValidateOnly(true).build());
  }

  private Search create(CreateSearchRequest request) {
    return test.blocking.createSearch(request);
  }

  private void assertGoodRequestStillWorks() {
    Search ok = create(SearchServiceTest.macro());
    assertThat(ok.getSpec().getSpace().getLayers()).isEqualTo(12);
    assertThat(test.blocking.listSearches(ListSearchesRequest.getDefaultInstance())).isNotNull();
  }

  private static void set(Message.Builder root, List<FieldDescriptor> route, Object value) {
    Message.Builder builder = root;
    for (FieldDescriptor step : route.subList(0, route.size() - 1)) {
      builder = builder.getFieldBuilder(step);
    }
    builder.setField(route.get(route.size() - 1), value);
  }

  private static BadRequest assertInvalid(Runnable call, String field) {
    StatusRuntimeException e = assertInvalidStatus(call);
    assertThat(violations(e)).extracting(BadRequest.FieldViolation::getField).contains(field);
    assertThat(e.getStatus().getDescription()).contains(field);
    return detail(e, BadRequest.class);
  }

  private static StatusRuntimeException assertInvalidStatus(Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("the call should have failed").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    return e;
  }

  private static List<BadRequest.FieldViolation> violations(StatusRuntimeException e) {
    return detail(e, BadRequest.class).getFieldViolationsList();
  }

  private static <T extends Message> T detail(StatusRuntimeException e, Class<T> type) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("google.rpc.Status details").isNotNull();
    for (com.google.protobuf.Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return any.unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + status);
  }
}
