package dev.enas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchSpec;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.SpaceSpec;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The unary calls, the paging iterators and the errors, through real stubs. */
class EnasClientTest {
  private InProcessEnas enas;
  private EnasClient client;

  @BeforeEach
  void start() {
    enas = new InProcessEnas();
    client = enas.client();
  }

  @AfterEach
  void stop() throws InterruptedException {
    client.close();
    enas.close();
  }

  @Test
  void aTokenTravelsAsABearerHeaderOnEveryServiceAndNoTokenSendsNone() {
    try (EnasClient client = enas.client("enas.alice.s3cret")) {
      client.listDatasets();
      assertThat(enas.lastAuthorization).isEqualTo("Bearer enas.alice.s3cret");
      enas.lastAuthorization = null;
      try {
        client.modelMetadata("any", "");
      } catch (RuntimeException ignored) {
        // The fake knows no model; the header was sent all the same.
      }
      assertThat(enas.lastAuthorization).isEqualTo("Bearer enas.alice.s3cret");
    }
    try (EnasClient client = enas.client(null)) {
      client.listDatasets();
      assertThat(enas.lastAuthorization).isNull();
    }
  }

  @Test
  void searchIteratorWalksEveryPageInOrder() {
    for (int i = 1; i <= 5; i++) {
      enas.service.add(Events.search("s" + i, SearchState.SEARCH_STATE_RUNNING), List.of());
    }

    List<String> ids = new ArrayList<>();
    client.listSearches().forEachRemaining(s -> ids.add(s.getId()));

    assertThat(ids).containsExactly("s1", "s2", "s3", "s4", "s5");
    assertThat(enas.service.searchLists)
        .extracting(ListSearchesRequest::getPageToken)
        .containsExactly("", "2", "4");
  }

  @Test
  void searchIteratorSendsTheStateFilterWithEveryPage() {
    enas.service.add(Events.search("a", SearchState.SEARCH_STATE_FAILED), List.of());
    enas.service.add(Events.search("b", SearchState.SEARCH_STATE_RUNNING), List.of());
    enas.service.add(Events.search("c", SearchState.SEARCH_STATE_FAILED), List.of());
    enas.service.add(Events.search("d", SearchState.SEARCH_STATE_FAILED), List.of());

    List<String> ids = new ArrayList<>();
    client.listSearches(SearchState.SEARCH_STATE_FAILED).forEachRemaining(s -> ids.add(s.getId()));

    assertThat(ids).containsExactly("a", "c", "d");
    assertThat(enas.service.searchLists)
        .hasSize(2)
        .allSatisfy(
            r -> assertThat(r.getStatesList()).containsExactly(SearchState.SEARCH_STATE_FAILED));
  }

  @Test
  void architectureIteratorWalksEveryPage() {
    List<SampledArchitecture> history = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      history.add(Events.sampled(i, 0.1 * i));
    }
    enas.service.histories.put("s", history);

    List<Long> indices = new ArrayList<>();
    client
        .listArchitectures("s", ArchitectureOrder.ARCHITECTURE_ORDER_SAMPLED)
        .forEachRemaining(a -> indices.add(a.getIndex()));

    assertThat(indices).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(enas.service.architectureLists).hasSize(4);
  }

  @Test
  void topArchitecturesAreTheBestFirstAndReadNoMorePagesThanNeeded() {
    double[] rewards = {0.3, 0.9, 0.1, 0.7, 0.8, 0.2, 0.5};
    List<SampledArchitecture> history = new ArrayList<>();
    for (int i = 0; i < rewards.length; i++) {
      history.add(Events.sampled(i, rewards[i]));
    }
    enas.service.histories.put("s", history);

    List<SampledArchitecture> top = client.topArchitectures("s", 3);

    assertThat(top).extracting(SampledArchitecture::getReward).containsExactly(0.9, 0.8, 0.7);
    assertThat(enas.service.architectureLists)
        .extracting(ListArchitecturesRequest::getOrderBy)
        .containsOnly(ArchitectureOrder.ARCHITECTURE_ORDER_REWARD);
    // Pages of two: the third-best is on the second page, and nothing after it is read.
    assertThat(enas.service.architectureLists).hasSize(2);
  }

  @Test
  void createSendsTheSpecAndTheChosenId() {
    SearchSpec spec =
        SearchSpec.newBuilder()
            .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MICRO).setNodes(3))
            .build();

    Search created = client.createSearch(spec, "my-search");

    assertThat(created.getId()).isEqualTo("my-search");
    assertThat(enas.service.creates.get(0).getSpec()).isEqualTo(spec);
    assertThat(client.getSearch("my-search").getState())
        .isEqualTo(SearchState.SEARCH_STATE_PENDING);
    assertThat(client.validateSpec(spec).getId()).isEmpty();
    assertThat(enas.service.creates.get(1).getValidateOnly()).isTrue();
  }

  @Test
  void badRequestBecomesAnExceptionNamingEveryField() {
    enas.service.nextError =
        FakeSearchService.badRequest(
            "spec.shared.epochs", "must be 1 to 100000, was 0",
            "spec.controller.learning_rate", "must be in (0, 1], was 7");

    assertThatThrownBy(() -> client.createSearch(SearchSpec.getDefaultInstance()))
        .isInstanceOfSatisfying(
            EnasException.class,
            e -> {
              assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.fieldViolations())
                  .containsExactly(
                      new FieldViolation("spec.shared.epochs", "must be 1 to 100000, was 0"),
                      new FieldViolation(
                          "spec.controller.learning_rate", "must be in (0, 1], was 7"));
              assertThat(e.getMessage())
                  .startsWith("INVALID_ARGUMENT: invalid search spec")
                  .contains("\n  spec.shared.epochs: must be 1 to 100000, was 0")
                  .contains("\n  spec.controller.learning_rate: must be in (0, 1], was 7");
            });
  }

  @Test
  void cancelOfAnEndedSearchCarriesThePrecondition() {
    enas.service.add(Events.search("done", SearchState.SEARCH_STATE_SUCCEEDED), List.of());

    assertThatThrownBy(() -> client.cancelSearch("done", "why not"))
        .isInstanceOfSatisfying(
            EnasException.class,
            e -> {
              assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.details()).singleElement().asString().contains("STATE", "done");
            });
    assertThat(enas.service.cancels.get(0).getReason()).isEqualTo("why not");
  }

  @Test
  void unreachableServerIsUnavailable() {
    // The CLI tests reach a closed port over the real transport; in-process fails the same way.
    try (EnasClient nowhere =
        EnasClient.of(
            io.grpc.inprocess.InProcessChannelBuilder.forName("no-such-server").build())) {
      assertThatThrownBy(() -> nowhere.getSearch("x"))
          .isInstanceOfSatisfying(
              EnasException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void architectureByIndex() {
    enas.service.histories.put("s", List.of(Events.sampled(0, 0.4), Events.sampled(1, 0.6)));

    assertThat(client.getArchitecture("s", 1).getReward()).isEqualTo(0.6);
    assertThat(
            enas.service.histories.get("s").stream()
                .map(SampledArchitecture::getIndex)
                .collect(Collectors.toList()))
        .containsExactly(0L, 1L);
  }
}
