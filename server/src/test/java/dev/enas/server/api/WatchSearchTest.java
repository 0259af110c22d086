package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import dev.enas.proto.v1.SearchEvent.KindCase;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.store.EventLog;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchSearchTest {
  /** Generous bound so a broken server fails the test instead of hanging the build. */
  private static final long SAFETY_SECONDS = 30;

  private static final int BUFFER = 32;

  private final TestServer test = TestServer.start(BUFFER);

  @AfterEach
  void stop() {
    test.close();
  }

  @Test
  void replayingAFinishedSearchGivesTheIdenticalStreamEveryTime() {
    String id = test.backend.newSearch();
    int total = runWholeSearch(id, 150);

    List<dev.enas.proto.v1.SearchEvent> first = watchAll(id, 0);
    List<dev.enas.proto.v1.SearchEvent> second = watchAll(id, 0);
    List<dev.enas.proto.v1.SearchEvent> tail = watchAll(id, 100);

    assertThat(first).hasSize(total).isEqualTo(second);
    assertThat(sequences(first)).containsExactlyElementsOf(range(0, total));
    assertThat(tail).isEqualTo(first.subList(100, total));
    assertThat(first.get(0).getKindCase()).isEqualTo(KindCase.PHASE_CHANGED);
    assertThat(first.get(total - 1).getKindCase()).isEqualTo(KindCase.FINISHED);
    assertThat(first)
        .allSatisfy(
            e -> {
              assertThat(e.getSearchId()).isEqualTo(id);
              assertThat(e.hasTime()).isTrue();
            });
  }

  @Test
  void aWatcherReplaysThenFollowsLiveWithNoGapOrDuplicate() throws Exception {
    String id = test.backend.newSearch();
    for (int i = 0; i < 20; i++) {
      test.backend.append(id, step(i));
    }
    Watcher watcher = Watcher.start(test.async, id, 5);
    // Appends race with the replay; the buffer holds them all, this test is about order.
    for (int i = 20; i < BUFFER - 1; i++) {
      test.backend.append(id, step(i));
    }
    test.backend.append(id, new SearchEvent.Cancelled("enough"));

    assertThat(watcher.status()).isEqualTo(Status.Code.OK);
    assertThat(watcher.sequences()).containsExactlyElementsOf(range(5, BUFFER));
  }

  @Test
  void aHundredConcurrentWatchersEachReceiveTheCompleteStream() throws Exception {
    try (TestServer roomy = TestServer.start(8192)) {
      String id = roomy.backend.newSearch();
      for (int i = 0; i < 100; i++) {
        roomy.backend.append(id, step(i));
      }
      List<Watcher> watchers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        watchers.add(Watcher.start(roomy.async, id, 0));
      }
      Thread appender =
          new Thread(
              () -> {
                for (int i = 100; i < 1_500; i++) {
                  roomy.backend.append(id, step(i));
                }
                roomy.backend.append(id, new SearchEvent.Finished("macro: 0", 0.9, 10, 1));
              });
      appender.start();
      appender.join();

      for (Watcher watcher : watchers) {
        assertThat(watcher.status()).isEqualTo(Status.Code.OK);
        assertThat(watcher.sequences()).containsExactlyElementsOf(range(0, 1_501));
      }
      assertThat(roomy.backend.log(id).subscriberCount()).isZero();
    }
  }

  @Test
  void aClientThatNeverReadsIsCutWithTheResumeSequenceAndResumingCompletes() throws Exception {
    String id = test.backend.newSearch();
    for (int i = 0; i < 10; i++) {
      test.backend.append(id, step(i));
    }
    // A raw call that never calls request(): the transport never becomes ready for the server.
    RawListener listener = new RawListener();
    ClientCall<WatchSearchRequest, dev.enas.proto.v1.SearchEvent> call = rawWatch(id, listener);
    EventLog log = test.backend.log(id);
    awaitCondition(() -> log.subscriberCount() == 1);

    // The search goes on: every append returns while the watcher reads nothing.
    for (int i = 10; i < 10 + BUFFER + 5; i++) {
      test.backend.append(id, step(i));
    }

    Closed closed = listener.closed.get(SAFETY_SECONDS, TimeUnit.SECONDS);
    assertThat(closed.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(closed.status().getDescription()).contains("from_sequence=0");
    assertThat(closed.trailers().get(Statuses.RESUME_SEQUENCE)).isEqualTo("0");
    ErrorInfo info =
        StatusProto.fromStatusAndTrailers(closed.status(), closed.trailers())
            .getDetails(0)
            .unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("WATCHER_TOO_SLOW");
    assertThat(info.getMetadataMap()).containsEntry("resume_sequence", "0");
    assertThat(listener.messages).isEmpty();
    assertThat(log.subscriberCount()).isZero();

    test.backend.append(id, new SearchEvent.Finished("macro: 0", 0.9, 10, 1));
    assertThat(sequences(watchAll(id, 0))).containsExactlyElementsOf(range(0, 10 + BUFFER + 6));
  }

  @Test
  void aBlockingIteratorLeftUnreadIsCutWhereItStoppedAndResumingCompletesIt() throws Exception {
    String id = test.backend.newSearch();
    test.backend.append(id, new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    Iterator<dev.enas.proto.v1.SearchEvent> unread =
        test.blocking.watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build());
    awaitCondition(() -> test.backend.log(id).subscriberCount() == 1);
    for (int i = 0; i < 4 * BUFFER; i++) {
      test.backend.append(id, step(i));
    }
    test.backend.append(id, new SearchEvent.Finished("macro: 0", 0.9, 10, 1));
    int total = 4 * BUFFER + 2;

    // Reading now yields what the stream had sent, then the cut.
    List<dev.enas.proto.v1.SearchEvent> before = new ArrayList<>();
    StatusRuntimeException cut =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> {
              while (unread.hasNext()) {
                before.add(unread.next());
              }
            });
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    long resume = Long.parseLong(cut.getTrailers().get(Statuses.RESUME_SEQUENCE));
    assertThat(resume).isEqualTo(before.size()).isLessThan(total);

    List<dev.enas.proto.v1.SearchEvent> after = watchAll(id, resume);
    List<Long> whole = new ArrayList<>(sequences(before));
    whole.addAll(sequences(after));
    assertThat(whole).containsExactlyElementsOf(range(0, total));
  }

  @Test
  void aCancelledWatchReleasesItsSubscription() throws Exception {
    String id = test.backend.newSearch();
    test.backend.append(id, step(0));
    RawListener listener = new RawListener();
    ClientCall<WatchSearchRequest, dev.enas.proto.v1.SearchEvent> call = rawWatch(id, listener);
    call.request(1);
    awaitCondition(() -> listener.messages.size() == 1);

    call.cancel("client went away", null);

    awaitCondition(() -> test.backend.log(id).subscriberCount() == 0);
    awaitCondition(() -> test.server.searchService().openWatches() == 0);
    test.backend.append(id, step(1));
    assertThat(listener.messages).hasSize(1);
  }

  @Test
  void shuttingDownEndsWatchesWithUnavailableAndTheirResumePoint() throws Exception {
    TestServer stopping = TestServer.start(BUFFER);
    String id = stopping.backend.newSearch();
    for (int i = 0; i < 5; i++) {
      stopping.backend.append(id, step(i));
    }
    Watcher watcher = Watcher.start(stopping.async, id, 0);
    awaitCondition(() -> watcher.received() == 5);

    stopping.server.close();

    assertThat(watcher.status()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(watcher.trailers().get(Statuses.RESUME_SEQUENCE)).isEqualTo("5");
    stopping.close();
  }

  @Test
  void aSearchThatStopsRunningOnThisNodeEndsItsWatchesWithSearchMovedAndTheirResumePoint()
      throws Exception {
    String id = test.backend.newSearch();
    for (int i = 0; i < 7; i++) {
      test.backend.append(id, step(i));
    }
    RawListener listener = new RawListener();
    rawWatch(id, listener).request(100);
    awaitCondition(() -> listener.messages.size() == 7);

    test.backend.log(id).moveAll();

    Closed closed = listener.closed.get(SAFETY_SECONDS, TimeUnit.SECONDS);
    assertThat(closed.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(closed.status().getDescription()).contains("any node", "from_sequence=7");
    assertThat(closed.trailers().get(Statuses.RESUME_SEQUENCE)).isEqualTo("7");
    ErrorInfo info =
        StatusProto.fromStatusAndTrailers(closed.status(), closed.trailers())
            .getDetails(0)
            .unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("SEARCH_MOVED");
    assertThat(info.getMetadataMap()).containsEntry("resume_sequence", "7");
  }

  /** A WatchSearch call from sequence 0 that asks for no message until the caller does. */
  private ClientCall<WatchSearchRequest, dev.enas.proto.v1.SearchEvent> rawWatch(
      String id, RawListener listener) {
    ClientCall<WatchSearchRequest, dev.enas.proto.v1.SearchEvent> call =
        test.channel.newCall(SearchServiceGrpc.getWatchSearchMethod(), CallOptions.DEFAULT);
    call.start(listener, new Metadata());
    call.sendMessage(WatchSearchRequest.newBuilder().setSearchId(id).build());
    call.halfClose();
    return call;
  }

  private List<dev.enas.proto.v1.SearchEvent> watchAll(String id, long from) {
    List<dev.enas.proto.v1.SearchEvent> events = new ArrayList<>();
    test.blocking
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).setFromSequence(from).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** Appends a plausible whole search (phases, steps, samples, derive, retrain, finish). */
  private int runWholeSearch(String id, int steps) {
    test.backend.append(id, new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    for (int i = 0; i < steps; i++) {
      test.backend.append(id, step(i));
      if (i % 10 == 9) {
        test.backend.append(
            id,
            new SearchEvent.ArchitectureSampled(
                1, i / 10, "macro: 0 | 1 1", i / (double) steps, -2.5, 1.1, 0.3));
      }
    }
    test.backend.append(id, new SearchEvent.ControllerUpdated(1, 1, 10, 0.5, 1.0, 0.4, 0.2, 1));
    test.backend.append(
        id, new SearchEvent.EpochFinished(1, 1, 1.9, 0.5, "macro: 0 | 1 1", 0.9, 12));
    test.backend.append(
        id,
        new SearchEvent.Derived(
            List.of(new SearchEvent.Candidate("macro: 0 | 1 1", 0.9, -2)), 100));
    test.backend.append(id, new SearchEvent.FinalTrainingProgress(1, 1, 0.6, 0.8, 0.75));
    test.backend.append(id, new SearchEvent.Finished("macro: 0 | 1 1", 0.77, 5000, 60));
    return (int) test.backend.log(id).size();
  }

  static SearchEvent step(long i) {
    return new SearchEvent.ChildTrained(1, i, "macro: 0", 2.0, 0.05);
  }

  static List<Long> sequences(List<dev.enas.proto.v1.SearchEvent> events) {
    return events.stream().map(dev.enas.proto.v1.SearchEvent::getSequence).toList();
  }

  static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  /** Waits for a condition the test cannot be told about; the bound only stops a broken run. */
  static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SAFETY_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within " + SAFETY_SECONDS + " s");
      }
      Thread.sleep(2);
    }
  }

  /** How a raw call ended. */
  record Closed(Status status, Metadata trailers) {}

  /** Listener of a raw ClientCall that records messages and the close. */
  static final class RawListener extends ClientCall.Listener<dev.enas.proto.v1.SearchEvent> {
    final List<dev.enas.proto.v1.SearchEvent> messages =
        java.util.Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Closed> closed = new CompletableFuture<>();

    @Override
    public void onMessage(dev.enas.proto.v1.SearchEvent message) {
      messages.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(new Closed(status, trailers));
    }
  }

  /** An asynchronous watcher that reads as fast as events come. */
  static final class Watcher implements StreamObserver<dev.enas.proto.v1.SearchEvent> {
    private final List<dev.enas.proto.v1.SearchEvent> events = new ArrayList<>();
    private final CompletableFuture<Status> done = new CompletableFuture<>();
    private volatile Metadata trailers = new Metadata();

    static Watcher start(SearchServiceGrpc.SearchServiceStub stub, String id, long from) {
      Watcher watcher = new Watcher();
      stub.watchSearch(
          WatchSearchRequest.newBuilder().setSearchId(id).setFromSequence(from).build(), watcher);
      return watcher;
    }

    @Override
    public synchronized void onNext(dev.enas.proto.v1.SearchEvent event) {
      events.add(event);
    }

    @Override
    public void onError(Throwable error) {
      Metadata fromError = Status.trailersFromThrowable(error);
      if (fromError != null) {
        trailers = fromError;
      }
      done.complete(Status.fromThrowable(error));
    }

    @Override
    public void onCompleted() {
      done.complete(Status.OK);
    }

    Status.Code status() throws Exception {
      return done.get(SAFETY_SECONDS, TimeUnit.SECONDS).getCode();
    }

    Metadata trailers() {
      return trailers;
    }

    synchronized int received() {
      return events.size();
    }

    synchronized List<Long> sequences() {
      return WatchSearchTest.sequences(events);
    }
  }
}
