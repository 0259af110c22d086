package dev.enas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.client.FakeSearchService.Cut;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.WatchSearchRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watches that the server interrupts still deliver every event once, in order. */
class WatchTest {
  private static final String ID = "s1";

  private InProcessEnas enas;
  private EnasClient client;
  private List<SearchEvent> log;

  @BeforeEach
  void start() {
    enas = new InProcessEnas();
    client = enas.client();
    log = Events.run(ID, 2, 5, 2, 2, Events.Outcome.SUCCEEDED);
    enas.service.add(Events.search(ID, SearchState.SEARCH_STATE_RUNNING), log);
  }

  @AfterEach
  void stop() throws InterruptedException {
    client.close();
    enas.close();
  }

  @Test
  void resumesAfterASlowWatcherCutFromTheEventAfterTheLastDelivered() {
    enas.service.cutWatches(
        new Cut(7, FakeSearchService.slowWatcherCut(7, true, true)),
        new Cut(10, FakeSearchService.slowWatcherCut(17, true, true)));

    List<Long> sequences = sequences(client.watch(ID, 0));

    assertThat(sequences).containsExactlyElementsOf(allSequences());
    assertThat(fromSequences()).containsExactly(0L, 7L, 17L);
  }

  @Test
  void resumesFromTheErrorInfoWhenTheTrailerIsMissing() {
    enas.service.cutWatches(new Cut(4, FakeSearchService.slowWatcherCut(4, false, true)));

    assertThat(sequences(client.watch(ID, 0))).containsExactlyElementsOf(allSequences());
    assertThat(fromSequences()).containsExactly(0L, 4L);
  }

  @Test
  void positionComesFromWhatWasDeliveredNotFromTheResumePoint() {
    // A resume point behind what was delivered would replay events; the watch must not.
    enas.service.cutWatches(new Cut(9, FakeSearchService.slowWatcherCut(3, true, true)));

    assertThat(sequences(client.watch(ID, 0))).containsExactlyElementsOf(allSequences());
    assertThat(fromSequences()).containsExactly(0L, 9L);
  }

  @Test
  void resumesAfterUnavailableWithBackoff() {
    enas.service.cutWatches(
        new Cut(5, Status.UNAVAILABLE.withDescription("server stopping").asRuntimeException()),
        new Cut(0, Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException()),
        new Cut(3, Status.UNAVAILABLE.asRuntimeException()));

    assertThat(sequences(client.watch(ID, 0))).containsExactlyElementsOf(allSequences());
    assertThat(fromSequences()).containsExactly(0L, 5L, 5L, 8L);
  }

  @Test
  void startsFromTheAskedSequence() {
    enas.service.cutWatches(new Cut(2, FakeSearchService.slowWatcherCut(14, true, true)));

    assertThat(sequences(client.watch(ID, 12)))
        .containsExactlyElementsOf(allSequences().subList(12, log.size()));
    assertThat(fromSequences()).containsExactly(12L, 14L);
  }

  @Test
  void deliversALogManyTimesLongerThanTheFlowControlWindow() {
    List<SearchEvent> longLog = Events.run("long", 20, 30, 5, 10, Events.Outcome.SUCCEEDED);
    enas.service.add(Events.search("long", SearchState.SEARCH_STATE_RUNNING), longLog);
    enas.service.cutWatches(new Cut(300, FakeSearchService.slowWatcherCut(300, true, true)));

    List<Long> sequences = sequences(client.watch("long", 0));

    assertThat(longLog.size()).isGreaterThan(20 * SearchWatch.WINDOW);
    assertThat(sequences)
        .containsExactlyElementsOf(
            LongStream.range(0, longLog.size()).boxed().collect(Collectors.toList()));
  }

  @Test
  void givesUpAfterTheRetriesInARowAreUsedUp() {
    for (int i = 0; i < 4; i++) {
      enas.service.cutWatches(new Cut(i == 0 ? 2 : 0, Status.UNAVAILABLE.asRuntimeException()));
    }
    SearchWatch watch = client.watch(ID, 0);

    assertThat(watch.next().getSequence()).isZero();
    assertThat(watch.next().getSequence()).isOne();
    assertThatThrownBy(watch::hasNext)
        .isInstanceOfSatisfying(
            EnasException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    // The first call and InProcessEnas.FAST_RETRY's three reconnections.
    assertThat(fromSequences()).containsExactly(0L, 2L, 2L, 2L);
  }

  @Test
  void exhaustedWithoutAResumePointIsNotRetried() {
    enas.service.cutWatches(
        new Cut(3, Status.RESOURCE_EXHAUSTED.withDescription("quota").asRuntimeException()));
    SearchWatch watch = client.watch(ID, 0);
    List<Long> seen = new ArrayList<>();

    assertThatThrownBy(() -> watch.forEachRemaining(e -> seen.add(e.getSequence())))
        .isInstanceOfSatisfying(
            EnasException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(seen).containsExactly(0L, 1L, 2L);
    assertThat(fromSequences()).containsExactly(0L);
  }

  @Test
  void anUnknownSearchFailsAtOnceWithNotFound() {
    assertThatThrownBy(() -> client.watch("nope", 0).hasNext())
        .isInstanceOfSatisfying(
            EnasException.class,
            e -> {
              assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.details()).containsExactly("resource search 'nope'");
            });
  }

  @Test
  void listenerWatchResumesToo() throws InterruptedException {
    enas.service.cutWatches(
        new Cut(6, FakeSearchService.slowWatcherCut(6, true, false)),
        new Cut(1, Status.UNAVAILABLE.asRuntimeException()));
    List<Long> seen = new CopyOnWriteArrayList<>();
    List<Long> resumedFrom = new CopyOnWriteArrayList<>();
    AtomicReference<String> end = new AtomicReference<>();

    try (WatchSubscription watch =
        client.watch(
            ID,
            0,
            new WatchListener() {
              @Override
              public void onEvent(SearchEvent event) {
                seen.add(event.getSequence());
              }

              @Override
              public void onResume(long fromSequence, EnasException cause) {
                resumedFrom.add(fromSequence);
              }

              @Override
              public void onCompleted() {
                end.set("completed");
              }

              @Override
              public void onError(EnasException error) {
                end.set(error.toString());
              }
            })) {
      assertThat(watch.awaitTermination(Duration.ofSeconds(10))).isTrue();
      assertThat(watch.nextSequence()).isEqualTo(log.size());
    }

    assertThat(end.get()).isEqualTo("completed");
    assertThat(seen).containsExactlyElementsOf(allSequences());
    assertThat(resumedFrom).containsExactly(6L, 7L);
  }

  @Test
  void closingALiveWatchCancelsItsCall() throws InterruptedException {
    enas.service.holdOpen = true;
    SearchWatch watch = client.watch(ID, 0);
    for (int i = 0; i < log.size(); i++) {
      assertThat(watch.next().getSequence()).isEqualTo(i);
    }

    watch.close();

    assertThat(watch.hasNext()).isFalse();
    assertThat(enas.service.watchCancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void streamOfAWatchEndsWithTheTerminalEvent() {
    try (var events = client.watch(ID, 0).stream()) {
      assertThat(events.reduce((first, second) -> second).orElseThrow().hasFinished()).isTrue();
    }
  }

  private List<Long> sequences(SearchWatch watch) {
    try (watch) {
      List<Long> out = new ArrayList<>();
      watch.forEachRemaining(e -> out.add(e.getSequence()));
      return out;
    }
  }

  private List<Long> allSequences() {
    return LongStream.range(0, log.size()).boxed().collect(Collectors.toList());
  }

  private List<Long> fromSequences() {
    return enas.service.watches.stream()
        .map(WatchSearchRequest::getFromSequence)
        .collect(Collectors.toList());
  }
}
