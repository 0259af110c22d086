package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole server on a loopback port: real actors, real shared-weight training on the embedded
 * data, real gRPC clients.
 */
@Tag("slow")
class ServerEndToEndTest {
  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub stub;

  // Succeeded searches publish their models here, not into the working folder.
  @org.junit.jupiter.api.io.TempDir static java.nio.file.Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    server =
        LoopbackServers.start(
            LoopbackServers.config(dataDir)
                .withValue("enas.max-concurrent-searches", ConfigValueFactory.fromAnyRef(3)));
    channel = LoopbackServers.channel(server);
    stub = SearchServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  private static Search create(SearchSpec spec) {
    return stub.createSearch(
        CreateSearchRequest.newBuilder().setSpec(SpecMapper.toWire(spec)).build());
  }

  private static List<SearchEvent> watch(String id, long from) {
    List<SearchEvent> events = new ArrayList<>();
    Iterator<SearchEvent> it =
        stub.withDeadlineAfter(5, TimeUnit.MINUTES)
            .watchSearch(
                WatchSearchRequest.newBuilder().setSearchId(id).setFromSequence(from).build());
    it.forEachRemaining(events::add);
    return events;
  }

  private static List<String> architectures(List<SearchEvent> events) {
    List<String> out = new ArrayList<>();
    for (SearchEvent e : events) {
      if (e.hasChildTrained()) {
        out.add(e.getChildTrained().getArchitecture().getEncoding());
      } else if (e.hasArchitectureSampled()) {
        out.add(e.getArchitectureSampled().getArchitecture().getEncoding());
      }
    }
    return out;
  }

  /**
   * A search's stream ends with a Finished event for the child derivation chose: the best of its
   * candidates by reward on the derive batch, of the spec's space, with parameters.
   */
  static SearchEvent.Finished assertFinishedWithTheDerivedChild(
      List<SearchEvent> events, SearchSpec spec) {
    assertThat(events).isNotEmpty();
    SearchEvent last = events.get(events.size() - 1);
    assertThat(last.hasFinished()).as(last.toString()).isTrue();
    List<SearchEvent.Derived> derived =
        events.stream().filter(SearchEvent::hasDerived).map(SearchEvent::getDerived).toList();
    assertThat(derived).hasSize(1);
    List<SearchEvent.Candidate> top = derived.get(0).getTopList();
    assertThat(derived.get(0).getSampled()).isEqualTo(spec.derive().samples());
    assertThat(top).hasSize(Math.min(spec.derive().topK(), spec.derive().samples()));
    for (int i = 1; i < top.size(); i++) {
      assertThat(top.get(i).getReward())
          .as("reward of candidate %d", i)
          .isLessThanOrEqualTo(top.get(i - 1).getReward());
    }
    SearchEvent.Finished finished = last.getFinished();
    assertThat(finished.getArchitecture()).isEqualTo(top.get(0).getArchitecture());
    assertThat(finished.getArchitecture().getEncoding()).startsWith(spec.space().kind() + ":");
    assertThat(finished.getParameters()).isPositive();
    assertThat(finished.hasTestPerplexity()).isFalse();
    return finished;
  }

  @Test
  void aSearchStreamsEveryEventInOrderAndReplaysIdentically() {
    SearchSpec spec = SearchSpec.smoke("macro", 11);
    Search created = create(spec);
    List<SearchEvent> live = watch(created.getId(), 0);

    assertThat(live).isNotEmpty();
    for (int i = 0; i < live.size(); i++) {
      assertThat(live.get(i).getSequence()).isEqualTo(i);
    }
    SearchEvent.Finished finished = assertFinishedWithTheDerivedChild(live, spec);
    Search done =
        stub.getSearch(GetSearchRequest.newBuilder().setSearchId(created.getId()).build());
    assertThat(done.getResult().getArchitecture()).isEqualTo(finished.getArchitecture());
    assertThat(done.getResult().getTestAccuracy()).isEqualTo(finished.getTestAccuracy());
    assertThat(done.getResult().getParameters()).isEqualTo(finished.getParameters()).isPositive();
    assertThat(finished.getDuration().getSeconds() + finished.getDuration().getNanos())
        .isPositive();
    assertThat(done.getEventCount()).isEqualTo(live.size());

    List<SearchEvent> replay = watch(created.getId(), 0);
    assertThat(replay).isEqualTo(live);
    List<SearchEvent> tail = watch(created.getId(), 5);
    assertThat(tail).isEqualTo(live.subList(5, live.size()));

    // The actors take the engine's steps in the engine's order: same seed, same architectures.
    List<String> engine = new ArrayList<>();
    SearchResult result =
        new SearchLoop(
                spec,
                e -> {
                  if (e instanceof dev.enas.train.SearchEvent.ChildTrained c) {
                    engine.add(c.architecture());
                  } else if (e instanceof dev.enas.train.SearchEvent.ArchitectureSampled a) {
                    engine.add(a.architecture());
                  }
                },
                () -> false)
            .run();
    assertThat(result.phase()).as(result.reason()).isEqualTo(dev.enas.train.Phase.SUCCEEDED);
    assertThat(architectures(live)).isEqualTo(engine);
    assertThat(done.getResult().getArchitecture().getEncoding()).isEqualTo(result.architecture());
    // ... and the same retraining: the same test accuracy, up to the float rounding of PyTorch's
    // intra-op threads, which can move a few of the 1,000 test images across a near-tie.
    assertThat(done.getResult().getTestAccuracy()).isCloseTo(result.testAccuracy(), within(0.03));
  }

  @Test
  void aHundredWatchersEachGetTheWholeStreamOfARunningSearch() throws Exception {
    SearchSpec spec = SearchSpec.smoke("macro", 21);
    Search created = create(spec);
    int watchers = 100;
    List<List<SearchEvent>> received = new ArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(watchers);
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    SearchServiceGrpc.SearchServiceStub async = SearchServiceGrpc.newStub(channel);
    for (int w = 0; w < watchers; w++) {
      List<SearchEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
      received.add(events);
      async.watchSearch(
          WatchSearchRequest.newBuilder().setSearchId(created.getId()).build(),
          new io.grpc.stub.StreamObserver<SearchEvent>() {
            @Override
            public void onNext(SearchEvent value) {
              events.add(value);
            }

            @Override
            public void onError(Throwable t) {
              errors.add(t);
              done.countDown();
            }

            @Override
            public void onCompleted() {
              done.countDown();
            }
          });
    }
    assertThat(done.await(5, TimeUnit.MINUTES)).isTrue();
    assertThat(errors).isEmpty();
    List<SearchEvent> reference = watch(created.getId(), 0);
    assertFinishedWithTheDerivedChild(reference, spec);
    for (List<SearchEvent> events : received) {
      assertThat(events).isEqualTo(reference);
    }
  }

  @Test
  void threeSearchesShareTheDeviceAndCancellingOneLeavesTheOthers() throws Exception {
    Search a = create(SearchSpec.smoke("macro", 1));
    Search b = create(SearchSpec.smoke("micro", 2));
    Search c = create(SearchSpec.smoke("macro", 3));
    // The bound is 3 running searches: a fourth is refused with the bound in the message.
    assertThatThrownBy(() -> create(SearchSpec.smoke("macro", 4)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).contains("3");
            });
    // Cancel b mid-way: once it has trained a child on the shared weights.
    List<SearchEvent> second = new ArrayList<>();
    Iterator<SearchEvent> bEvents =
        stub.withDeadlineAfter(5, TimeUnit.MINUTES)
            .watchSearch(WatchSearchRequest.newBuilder().setSearchId(b.getId()).build());
    boolean cancelled = false;
    while (bEvents.hasNext()) {
      SearchEvent e = bEvents.next();
      second.add(e);
      if (!cancelled && e.hasChildTrained()) {
        stub.cancelSearch(
            CancelSearchRequest.newBuilder()
                .setSearchId(b.getId())
                .setReason("test cancels it")
                .build());
        cancelled = true;
      }
    }
    List<SearchEvent> first = watch(a.getId(), 0);
    List<SearchEvent> third = watch(c.getId(), 0);
    assertFinishedWithTheDerivedChild(first, SearchSpec.smoke("macro", 1));
    assertFinishedWithTheDerivedChild(third, SearchSpec.smoke("macro", 3));
    SearchEvent last = second.get(second.size() - 1);
    assertThat(last.hasCancelled()).isTrue();
    assertThat(last.getCancelled().getReason()).isEqualTo("test cancels it");
    assertThat(second.stream().filter(SearchEvent::hasChildTrained).count()).isPositive();
    assertThat(second.stream().anyMatch(SearchEvent::hasDerived)).isFalse();
  }
}
