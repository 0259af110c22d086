package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.enas.data.DataRoots;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.server.security.ResourceLimits;
import dev.enas.server.security.SearchAdmission;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.DataSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.train.DataShape;
import dev.enas.train.ResourceEstimate;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * CreateSearch refuses a spec whose estimate exceeds a budget with INVALID_ARGUMENT naming the
 * budget and the estimate, before the backend (which would allocate) hears of it.
 */
class BudgetAdmissionTest {

  /** The spec: 64 macro layers of 1,024 channels. */
  private static SearchSpec huge() {
    SearchSpec d = SearchSpec.defaults("macro");
    return new SearchSpec(
        SpaceSpec.macro(64),
        DataSpec.embedded(),
        new ChildSpec(1024, 1, d.child().batchSize(), d.child().dropout()),
        d.shared(),
        d.controller(),
        d.derive(),
        d.retrain(),
        d.seed(),
        d.languageModel());
  }

  private static CreateSearchRequest create(SearchSpec spec) {
    return CreateSearchRequest.newBuilder().setSpec(SpecMapper.toWire(spec)).build();
  }

  @Test
  void theHugeSpecIsRefusedByDefaultNamingBudgetAndEstimate() {
    try (TestServer test = TestServer.start(SearchAdmission.defaults())) {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class, () -> test.blocking.createSearch(create(huge())));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e))
          .hasSize(3)
          .allSatisfy(v -> assertThat(v.getField()).isEqualTo("spec"));
      assertThat(violations(e).get(0).getDescription())
          .containsPattern(
              "needs an estimated [0-9.]+ GiB of memory, over the budget"
                  + " enas.limits.memory = 16.00 GiB");
      assertThat(violations(e).get(1).getDescription())
          .contains("over the budget enas.limits.parameters = 500,000,000");
      assertThat(e.getStatus().getDescription()).contains("spec needs an estimated");
      assertThat(
              test.blocking
                  .listSearches(ListSearchesRequest.getDefaultInstance())
                  .getSearchesCount())
          .isZero();
      // The paper's defaults on the embedded data fit the default budget.
      assertThat(
              test.blocking
                  .createSearch(create(withEmbedded(SearchSpec.defaults("macro"))))
                  .getId())
          .isNotEmpty();
      assertThat(
              test.blocking
                  .createSearch(create(withEmbedded(SearchSpec.defaults("micro"))))
                  .getId())
          .isNotEmpty();
    }
  }

  @Test
  void withoutLimitsTheHugeSpecIsAdmitted() {
    try (TestServer test =
        TestServer.start(new SearchAdmission(DataRoots.none(), ResourceLimits.none()))) {
      assertThat(test.blocking.createSearch(create(huge())).getId()).isNotEmpty();
    }
  }

  @Test
  void aSpecAtTheLimitIsAdmittedAndOneByteLessRefusesIt() {
    SearchSpec smoke = SearchSpec.smoke("micro", 3);
    ResourceEstimate estimate =
        ResourceEstimate.of(smoke, DataShape.peek(smoke.data()).orElseThrow());
    try (TestServer exact =
        TestServer.start(
            new SearchAdmission(
                DataRoots.none(),
                new ResourceLimits(
                    estimate.memoryBytes(),
                    estimate.parameters(),
                    estimate.multiplyAddsPerStep())))) {
      assertThat(exact.blocking.createSearch(create(smoke)).getId()).isNotEmpty();
    }
    try (TestServer tight =
        TestServer.start(
            new SearchAdmission(
                DataRoots.none(),
                new ResourceLimits(
                    estimate.memoryBytes() - 1, 0, estimate.multiplyAddsPerStep() - 1)))) {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class, () -> tight.blocking.createSearch(create(smoke)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e))
          .extracting(
              v -> v.getDescription().replaceAll(".*(enas\\.limits\\." + "[a-z-]+).*", "$1"))
          .containsExactly("enas.limits.memory", "enas.limits.work-per-step");
    }
  }

  private static java.util.List<com.google.rpc.BadRequest.FieldViolation> violations(
      StatusRuntimeException e) {
    try {
      for (com.google.protobuf.Any any :
          io.grpc.protobuf.StatusProto.fromThrowable(e).getDetailsList()) {
        if (any.is(com.google.rpc.BadRequest.class)) {
          return any.unpack(com.google.rpc.BadRequest.class).getFieldViolationsList();
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
    throw new AssertionError("no BadRequest in " + e);
  }

  private static SearchSpec withEmbedded(SearchSpec d) {
    return new SearchSpec(
        d.space(),
        DataSpec.embedded(),
        d.child(),
        d.shared(),
        d.controller(),
        d.derive(),
        d.retrain(),
        d.seed(),
        d.languageModel());
  }
}
