package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.Test;

/**
 * The whole server on a loopback port: real actors, real shared-weight training on the embedded
 * data, real gRPC clients.
 */
class ServerEndToEndTest {
  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub stub;

  // Succeeded searches publish their models here, not into the working folder.
  @org.junit.jupiter.api.io.TempDir
  static java.nio.file.Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackServers.start(LoopbackServers.config(dataDir)
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
    return stub.createSearch(CreateSearchRequest.newBuilder()
        .setSpec(SpecMapper.toWire(spec)).build());
  }

  private static List<SearchEvent> watch(String id, long from) {
    List<SearchEvent> events = new ArrayList<>();
    Iterator<SearchEvent> it = stub.withDeadlineAfter(5, TimeUnit.MINUTES).watchSearch(
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

  @Test
  void aSearchStreamsEveryEventInOrderAndReplaysIdentically() {
    SearchSpec spec = SearchSpec.smoke("macro", 11);
    Search created = create(spec);
    List<SearchEvent> live = watch(created.getId(), 0);

    assertThat(live).isNotEmpty();
    for (int i = 0; i < live.size(); i++) {
      assertThat(live.get(i).getSequence()).isEqualTo(i);
    }
    assertThat(live.get(live.size() - 1).hasFinished()).isTrue();
    Search done = stub.getSearch(
        GetSearchRequest.newBuilder().setSearchId(created.getId()).build());
    assertThat(done.getResult().getTestAccuracy()).isBetween(0.0, 1.0);
    assertThat(done.getEventCount()).isEqualTo(live.size());

    List<SearchEvent> replay = watch(created.getId(), 0);
    assertThat(replay).isEqualTo(live);
    List<SearchEvent> tail = watch(created.getId(), 5);
    assertThat(tail).isEqualTo(live.subList(5, live.size()));

    // The actors take the engine's steps in the engine's order: same seed, same architectures.
    List<String> engine = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, e -> {
      if (e instanceof dev.enas.train.SearchEvent.ChildTrained c) {
        engine.add(c.architecture());
      } else if (e instanceof dev.enas.train.SearchEvent.ArchitectureSampled a) {
        engine.add(a.architecture());
      }
    }, () -> false).run();
    assertThat(result.phase()).as(result.reason()).isEqualTo(dev.enas.train.Phase.SUCCEEDED);
    assertThat(architectures(live)).isEqualTo(engine);
    assertThat(done.getResult().getArchitecture().getEncoding()).isEqualTo(result.architecture());
  }

  @Test
  void aHundredWatchersEachGetTheWholeStreamOfARunningSearch() throws Exception {
    Search created = create(SearchSpec.smoke("macro", 21));
    int watchers = 100;
    List<List<SearchEvent>> received = new ArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(watchers);
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    SearchServiceGrpc.SearchServiceStub async = SearchServiceGrpc.newStub(channel);
    for (int w = 0; w < watchers; w++) {
      List<SearchEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
      received.add(events);
      async.watchSearch(WatchSearchRequest.newBuilder().setSearchId(created.getId()).build(),
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
    assertThat(reference.get(reference.size() - 1).hasFinished()).isTrue();
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
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("3");
        });
    // Cancel b mid-way: once it has trained a child on the shared weights.
    List<SearchEvent> second = new ArrayList<>();
    Iterator<SearchEvent> bEvents = stub.withDeadlineAfter(5, TimeUnit.MINUTES).watchSearch(
        WatchSearchRequest.newBuilder().setSearchId(b.getId()).build());
    boolean cancelled = false;
    while (bEvents.hasNext()) {
      SearchEvent e = bEvents.next();
      second.add(e);
      if (!cancelled && e.hasChildTrained()) {
        stub.cancelSearch(CancelSearchRequest.newBuilder().setSearchId(b.getId())
            .setReason("test cancels it").build());
        cancelled = true;
      }
    }
    List<SearchEvent> first = watch(a.getId(), 0);
    List<SearchEvent> third = watch(c.getId(), 0);
    assertThat(first.get(first.size() - 1).hasFinished()).isTrue();
    assertThat(third.get(third.size() - 1).hasFinished()).isTrue();
    SearchEvent last = second.get(second.size() - 1);
    assertThat(last.hasCancelled()).isTrue();
    assertThat(last.getCancelled().getReason()).isEqualTo("test cancels it");
    assertThat(second.stream().filter(SearchEvent::hasChildTrained).count()).isPositive();
    assertThat(second.stream().anyMatch(SearchEvent::hasDerived)).isFalse();
  }
}
