package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.SpaceSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SearchServiceTest {
  private final TestServer test = TestServer.start(1024);

  @AfterEach
  void stop() {
    test.close();
  }

  @Test
  void createReturnsTheResolvedSpecAndGetListAndCancelFollow() {
    Search created =
        test.blocking.createSearch(
            CreateSearchRequest.newBuilder().setSpec(macro()).setSearchId("run-1").build());

    assertThat(created.getId()).isEqualTo("run-1");
    assertThat(created.getState()).isEqualTo(SearchState.SEARCH_STATE_PENDING);
    assertThat(created.getSpec()).isEqualTo(SpecMapper.toWire(onGreyImages("macro")));
    assertThat(created.getProgress().getEpochs()).isEqualTo(310);
    assertThat(created.hasCreateTime()).isTrue();
    assertThat(created.hasStartTime()).isFalse();
    assertThat(test.blocking.getSearch(GetSearchRequest.newBuilder().setSearchId("run-1").build()))
        .isEqualTo(created);

    Search second =
        test.blocking.createSearch(CreateSearchRequest.newBuilder().setSpec(macro()).build());
    assertThat(second.getId()).isNotEmpty().isNotEqualTo("run-1");

    test.backend.append(second.getId(), new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    assertThat(
            ids(
                ListSearchesRequest.newBuilder()
                    .addStates(SearchState.SEARCH_STATE_RUNNING)
                    .build()))
        .containsExactly(second.getId());

    Search cancelled =
        test.blocking.cancelSearch(
            CancelSearchRequest.newBuilder().setSearchId("run-1").setReason("wrong data").build());
    assertThat(cancelled.getState()).isEqualTo(SearchState.SEARCH_STATE_CANCELLED);
    assertThat(cancelled.getFailureReason()).isEqualTo("wrong data");
    assertThat(cancelled.hasEndTime()).isTrue();
    assertThat(
            test.blocking
                .cancelSearch(CancelSearchRequest.newBuilder().setSearchId("run-1").build())
                .getState())
        .isEqualTo(SearchState.SEARCH_STATE_CANCELLED);
    assertThat(
            ids(
                ListSearchesRequest.newBuilder()
                    .addStates(SearchState.SEARCH_STATE_CANCELLED)
                    .addStates(SearchState.SEARCH_STATE_PENDING)
                    .build()))
        .containsExactly("run-1");
  }

  @Test
  void validateOnlyResolvesWithoutCreating() {
    Search preview =
        test.blocking.createSearch(
            CreateSearchRequest.newBuilder().setSpec(micro()).setValidateOnly(true).build());

    assertThat(preview.getId()).isEmpty();
    assertThat(preview.getSpec()).isEqualTo(SpecMapper.toWire(onGreyImages("micro")));
    assertThat(preview.getSpec().getRetrain().getCutout()).isZero();
    assertThat(ids(ListSearchesRequest.getDefaultInstance())).isEmpty();
  }

  @Test
  void listingPagesThroughEverySearchOnce() {
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(test.backend.newSearch());
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListSearchesResponse page =
          test.blocking.listSearches(
              ListSearchesRequest.newBuilder().setPageSize(3).setPageToken(token).build());
      page.getSearchesList().forEach(s -> seen.add(s.getId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(seen).containsExactlyElementsOf(created);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void getSearchReportsPhaseProgressBestResultAndTiming() {
    String id = test.backend.newSearch();
    test.backend.append(id, new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    test.backend.append(id, new SearchEvent.ChildTrained(1, 40, "macro: 0", 2.1, 0.05));
    test.backend.append(id, new SearchEvent.ArchitectureSampled(1, 0, "macro: 1", 0.4, -3, 1, 0));
    test.backend.append(id, new SearchEvent.ArchitectureSampled(1, 0, "macro: 4", 0.7, -3, 1, 0));
    test.backend.append(id, new SearchEvent.ArchitectureSampled(1, 0, "macro: 2", 0.5, -3, 1, 0));
    test.backend.append(id, new SearchEvent.ControllerUpdated(1, 1, 3, 0.53, 1.0, 0.5, 0.1, 0.3));
    test.backend.append(id, new SearchEvent.EpochFinished(1, 4, 2.0, 0.53, "macro: 4", 0.7, 9));
    test.backend.append(id, new SearchEvent.FinalTrainingProgress(2, 3, 0.5, 0.8, 0.78));
    test.backend.append(id, new SearchEvent.Finished("macro: 4", 0.81, 12_345, 100));

    Search search = test.blocking.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());

    assertThat(search.getPhase()).isEqualTo(dev.enas.proto.v1.Phase.PHASE_SUCCEEDED);
    assertThat(search.getState()).isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
    assertThat(search.getProgress().getEpoch()).isEqualTo(1);
    assertThat(search.getProgress().getSteps()).isEqualTo(40);
    assertThat(search.getProgress().getArchitecturesSampled()).isEqualTo(3);
    assertThat(search.getProgress().getControllerUpdates()).isEqualTo(1);
    assertThat(search.getProgress().getFinalEpoch()).isEqualTo(2);
    assertThat(search.getBest().getArchitecture().getEncoding()).isEqualTo("macro: 4");
    assertThat(search.getBest().getArchitecture().getSpace())
        .isEqualTo(SearchSpace.SEARCH_SPACE_MACRO);
    assertThat(search.getBest().getReward()).isEqualTo(0.7);
    assertThat(search.getResult().getTestAccuracy()).isEqualTo(0.81);
    assertThat(search.getResult().getParameters()).isEqualTo(12_345);
    assertThat(search.hasStartTime()).isTrue();
    assertThat(search.hasEndTime()).isTrue();
    assertThat(search.getEventCount()).isEqualTo(9);
  }

  @Test
  void historyPagesInSamplingOrderOrByRewardWithoutRepeatsWhileItGrows() {
    String id = test.backend.newSearch();
    double[] rewards = {0.3, 0.9, 0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6, 0.9, 0.0};
    for (double reward : rewards) {
      test.backend.append(id, sampled(reward));
    }

    List<SampledArchitecture> bySampling =
        pageAll(id, ArchitectureOrder.ARCHITECTURE_ORDER_SAMPLED, 5, false);
    assertThat(bySampling)
        .extracting(SampledArchitecture::getIndex)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(bySampling.get(4).getSequence()).isEqualTo(4);

    // New samples land while the client pages by reward: none of the old ones may repeat.
    List<SampledArchitecture> byReward =
        pageAll(id, ArchitectureOrder.ARCHITECTURE_ORDER_REWARD, 4, true);
    List<Long> old =
        byReward.stream()
            .map(SampledArchitecture::getIndex)
            .filter(i -> i < rewards.length)
            .toList();
    assertThat(old).containsExactly(1L, 3L, 10L, 7L, 5L, 9L, 4L, 8L, 0L, 6L, 2L, 11L);
    assertThat(byReward).extracting(SampledArchitecture::getIndex).doesNotHaveDuplicates();

    SampledArchitecture third =
        test.blocking.getArchitecture(
            GetArchitectureRequest.newBuilder().setSearchId(id).setIndex(3).build());
    assertThat(third).isEqualTo(bySampling.get(3));
    assertThat(third.getReward()).isEqualTo(0.9);
  }

  private List<SampledArchitecture> pageAll(
      String id, ArchitectureOrder order, int size, boolean growBetweenPages) {
    List<SampledArchitecture> all = new ArrayList<>();
    String token = "";
    do {
      ListArchitecturesResponse page =
          test.blocking.listArchitectures(
              ListArchitecturesRequest.newBuilder()
                  .setSearchId(id)
                  .setOrderBy(order)
                  .setPageSize(size)
                  .setPageToken(token)
                  .build());
      all.addAll(page.getArchitecturesList());
      token = page.getNextPageToken();
      if (growBetweenPages) {
        test.backend.append(id, sampled(0.95));
        test.backend.append(id, sampled(0.05));
      }
    } while (!token.isEmpty());
    return all;
  }

  private List<String> ids(ListSearchesRequest request) {
    return test.blocking.listSearches(request).getSearchesList().stream()
        .map(Search::getId)
        .toList();
  }

  private static SearchEvent sampled(double reward) {
    return new SearchEvent.ArchitectureSampled(1, 0, "macro: 0", reward, -1, 1, 0.5);
  }

  static dev.enas.proto.v1.SearchSpec macro() {
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MACRO))
        .build();
  }

  static dev.enas.proto.v1.SearchSpec micro() {
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MICRO))
        .build();
  }

  /** The paper's defaults as fitted to the embedded grey images: no cutout. */
  private static SearchSpec onGreyImages(String kind) {
    SearchSpec d = SearchSpec.defaults(kind);
    return new SearchSpec(
        d.space(),
        d.data(),
        d.child(),
        d.shared(),
        d.controller(),
        d.derive(),
        new RetrainSpec(d.retrain().network(), d.retrain().training(), 0),
        d.seed(),
        d.languageModel());
  }
}
