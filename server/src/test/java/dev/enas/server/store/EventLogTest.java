package dev.enas.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.server.store.EventLog.CutReason;
import dev.enas.train.SearchEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLogTest {
  /** Generous bound so a broken log fails the test instead of hanging the build. */
  private static final long SAFETY_SECONDS = 30;

  private final ExecutorService delivery = Executors.newFixedThreadPool(3);

  @AfterEach
  void shutDown() throws InterruptedException {
    delivery.shutdownNow();
    delivery.awaitTermination(SAFETY_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void sequencesStartAtZeroAndTimesNeverRunBackwards() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:10Z"));
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    EventLog log = new EventLog(clock);

    assertThat(log.append(step(0))).isZero();
    now.set(Instant.parse("2026-01-01T00:00:05Z"));
    assertThat(log.append(step(1))).isEqualTo(1);
    now.set(Instant.parse("2026-01-01T00:00:20Z"));
    assertThat(log.append(step(2))).isEqualTo(2);

    assertThat(log.get(1).time()).isEqualTo(log.get(0).time());
    assertThat(log.get(2).time()).isEqualTo(Instant.parse("2026-01-01T00:00:20Z"));
    assertThat(log.get(2).event()).isEqualTo(step(2));
    assertThatThrownBy(() -> log.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void holdsAHundredThousandEventsAcrossSegments() {
    EventLog log = new EventLog();
    for (int i = 0; i < 100_000; i++) {
      log.append(step(i));
    }
    assertThat(log.size()).isEqualTo(100_000);
    for (long i : new long[] {0, 1023, 1024, 1025, 8191, 8192, 65_535, 65_536, 99_999}) {
      assertThat(log.get(i).sequence()).isEqualTo(i);
      assertThat(((SearchEvent.ChildTrained) log.get(i).event()).step()).isEqualTo(i);
    }
  }

  @Test
  void aTerminalEventClosesTheLog() {
    EventLog log = new EventLog();
    log.append(step(0));
    log.append(new SearchEvent.Failed("out of memory"));

    assertThat(log.isClosed()).isTrue();
    assertThatThrownBy(() -> log.append(step(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sequence 1");
  }

  @Test
  void subscribeRejectsPositionsOutsideTheLogAndEmptyBuffers() {
    EventLog log = new EventLog();
    log.append(step(0));
    Recorder recorder = new Recorder();

    assertThatThrownBy(() -> log.subscribe(2, 8, delivery, recorder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0..1");
    assertThatThrownBy(() -> log.subscribe(-1, 8, delivery, recorder))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> log.subscribe(0, 0, delivery, recorder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bufferCapacity");
    assertThat(log.subscriberCount()).isZero();
  }

  @Test
  void replayFromAClosedLogDeliversTheRestAndCompletes() throws Exception {
    EventLog log = new EventLog();
    for (int i = 0; i < 10; i++) {
      log.append(step(i));
    }
    log.append(finished());

    Recorder fromFour = new Recorder();
    log.subscribe(4, 1, delivery, fromFour);
    Recorder atEnd = new Recorder();
    log.subscribe(11, 1, delivery, atEnd);

    // Replayed events never count against the buffer, so even a buffer of 1 replays all of them.
    assertThat(fromFour.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(fromFour.sequences()).containsExactlyElementsOf(range(4, 11));
    assertThat(atEnd.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(atEnd.sequences()).isEmpty();
    assertThat(log.subscriberCount()).isZero();
  }

  @Test
  void replayThenLiveUnderConcurrentAppendsHasNoGapAndNoDuplicate() throws Exception {
    EventLog log = new EventLog();
    for (int i = 0; i < 500; i++) {
      log.append(step(i));
    }
    int appenders = 3;
    int perAppender = 4_000;
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < appenders; t++) {
      int epoch = t + 1;
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; i < perAppender; i++) {
                  log.append(new SearchEvent.ChildTrained(epoch, i, "macro: 0", 1.0, 0.05));
                }
              }));
    }
    // Subscriptions start at random points of the log while the appends race with them.
    List<Recorder> recorders = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    Thread subscribing =
        new Thread(
            () -> {
              for (int i = 0; i < 40; i++) {
                long from = ThreadLocalRandom.current().nextLong(log.size() + 1);
                Recorder recorder = new Recorder();
                log.subscribe(from, Integer.MAX_VALUE, delivery, recorder);
                synchronized (recorders) {
                  recorders.add(recorder);
                  starts.add(from);
                }
                Thread.yield();
              }
            });
    threads.forEach(Thread::start);
    subscribing.start();
    for (Thread thread : threads) {
      thread.join();
    }
    subscribing.join();
    log.append(finished());

    long total = 500 + (long) appenders * perAppender + 1;
    assertThat(log.size()).isEqualTo(total);
    for (int i = 0; i < recorders.size(); i++) {
      Recorder recorder = recorders.get(i);
      assertThat(recorder.outcome()).isEqualTo(Outcome.COMPLETED);
      assertThat(recorder.sequences()).containsExactlyElementsOf(range(starts.get(i), total));
      for (LoggedEvent event : recorder.events()) {
        assertThat(event.event()).isSameAs(log.get(event.sequence()).event());
      }
    }
    // Each appender's events keep their order inside the log.
    long[] lastStep = new long[appenders + 1];
    java.util.Arrays.fill(lastStep, -1);
    for (long s = 500; s < total - 1; s++) {
      SearchEvent.ChildTrained e = (SearchEvent.ChildTrained) log.get(s).event();
      assertThat(e.step()).isEqualTo(lastStep[e.epoch()] + 1);
      lastStep[e.epoch()] = e.step();
    }
    assertThat(log.subscriberCount()).isZero();
  }

  @Test
  void aHundredSubscribersEachReceiveTheWholeStream() throws Exception {
    EventLog log = new EventLog();
    List<Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Recorder recorder = new Recorder();
      recorders.add(recorder);
      // Buffers hold the whole run: this test is about completeness, not about cutting.
      log.subscribe(0, 20_000, delivery, recorder);
    }
    Thread appender =
        new Thread(
            () -> {
              for (int i = 0; i < 5_000; i++) {
                log.append(step(i));
              }
              log.append(finished());
            });
    appender.start();
    appender.join();

    for (Recorder recorder : recorders) {
      assertThat(recorder.outcome()).isEqualTo(Outcome.COMPLETED);
      assertThat(recorder.sequences()).containsExactlyElementsOf(range(0, 5_001));
    }
  }

  @Test
  void aSubscriberThatStopsTakingIsCutAtTheFirstEventItMissedAndResumingCompletes()
      throws Exception {
    EventLog log = new EventLog();
    for (int i = 0; i < 3; i++) {
      log.append(step(i));
    }
    // Delivery runs inline, so the moment of the cut is exact: after five events the
    // subscriber stops taking, and the buffer of 4 overflows on the fifth live event after that.
    Recorder slow = new Recorder(received -> received < 5);
    log.subscribe(0, 4, Runnable::run, slow);
    for (int i = 3; i < 13; i++) {
      log.append(step(i));
    }
    log.append(finished());

    assertThat(slow.outcome()).isEqualTo(Outcome.cut(CutReason.OVERFLOW, 5));
    assertThat(slow.sequences()).containsExactlyElementsOf(range(0, 5));

    Recorder resumed = new Recorder();
    log.subscribe(5, 4, delivery, resumed);
    assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
    List<Long> whole = new ArrayList<>(slow.sequences());
    whole.addAll(resumed.sequences());
    assertThat(whole).containsExactlyElementsOf(range(0, 14));
  }

  @Test
  void aStalledSubscriberNeverHoldsUpTheAppenderOrTheOthers() throws Exception {
    EventLog log = new EventLog();
    Recorder stalled = new Recorder(received -> false);
    Recorder healthy = new Recorder();
    log.subscribe(0, 16, delivery, stalled);
    log.subscribe(0, 100_000, delivery, healthy);

    // Every append returns although one subscriber never takes anything.
    for (int i = 0; i < 10_000; i++) {
      log.append(step(i));
    }
    log.append(finished());

    assertThat(stalled.outcome()).isEqualTo(Outcome.cut(CutReason.OVERFLOW, 0));
    assertThat(stalled.sequences()).isEmpty();
    assertThat(healthy.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(healthy.sequences()).hasSize(10_001);
  }

  @Test
  void whereverASlowSubscriberIsCutResumingFromThereLosesNothing() throws Exception {
    EventLog log = new EventLog();
    // Takes 300 events, then stops: with a pool, where the cut lands depends on scheduling,
    // but it must always be exactly the first event not received.
    Recorder slow = new Recorder(received -> received < 300);
    log.subscribe(0, 64, delivery, slow);
    for (int i = 0; i < 2_000; i++) {
      log.append(step(i));
    }
    log.append(finished());

    Outcome outcome = slow.outcome();
    assertThat(outcome.reason()).isEqualTo(CutReason.OVERFLOW);
    assertThat(outcome.resume()).isEqualTo(slow.sequences().size());
    Recorder resumed = new Recorder();
    log.subscribe(outcome.resume(), 64, delivery, resumed);
    assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
    List<Long> whole = new ArrayList<>(slow.sequences());
    whole.addAll(resumed.sequences());
    assertThat(whole).containsExactlyElementsOf(range(0, 2_001));
  }

  @Test
  void aPausedSubscriberResumesAfterWake() throws Exception {
    EventLog log = new EventLog();
    AtomicReference<Boolean> open = new AtomicReference<>(false);
    Recorder paused = new Recorder(received -> open.get());
    EventLog.Subscription subscription = log.subscribe(0, 100, delivery, paused);
    for (int i = 0; i < 50; i++) {
      log.append(step(i));
    }
    log.append(finished());

    open.set(true);
    subscription.wake();
    assertThat(paused.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(paused.sequences()).containsExactlyElementsOf(range(0, 51));
  }

  @Test
  void stopEndsWithTheResumePointAndCancelEndsSilently() throws Exception {
    EventLog log = new EventLog();
    for (int i = 0; i < 7; i++) {
      log.append(step(i));
    }
    Recorder stopped = new Recorder();
    EventLog.Subscription toStop = log.subscribe(0, 10, Runnable::run, stopped);
    Recorder cancelled = new Recorder();
    EventLog.Subscription toCancel = log.subscribe(0, 10, Runnable::run, cancelled);

    toStop.stop();
    toCancel.cancel();
    log.append(step(7));

    assertThat(stopped.outcome()).isEqualTo(Outcome.cut(CutReason.STOPPED, 7));
    assertThat(cancelled.sequences()).hasSize(7);
    assertThat(cancelled.result).isNotDone();
    assertThat(log.subscriberCount()).isZero();
  }

  @Test
  void moveAllCutsEverySubscriptionAtItsOwnResumePoint() throws Exception {
    EventLog log = new EventLog();
    for (int i = 0; i < 5; i++) {
      log.append(step(i));
    }
    Recorder behind = new Recorder(received -> received < 2);
    log.subscribe(0, 10, Runnable::run, behind);
    Recorder live = new Recorder();
    log.subscribe(0, 10, Runnable::run, live);

    log.moveAll();
    log.append(step(5));

    assertThat(behind.outcome()).isEqualTo(Outcome.cut(CutReason.MOVED, 2));
    assertThat(live.outcome()).isEqualTo(Outcome.cut(CutReason.MOVED, 5));
    assertThat(log.subscriberCount()).isZero();
  }

  @Test
  void aThrowingSubscriberLosesOnlyItsOwnSubscription() throws Exception {
    EventLog log = new EventLog();
    Recorder healthy = new Recorder();
    log.subscribe(0, 100, delivery, healthy);
    // Inline delivery: the exception surfaces inside append(), which must still succeed.
    log.subscribe(
        0,
        100,
        Runnable::run,
        new Recorder() {
          @Override
          public void onEvent(LoggedEvent event) {
            throw new IllegalStateException("broken subscriber");
          }
        });
    for (int i = 0; i < 20; i++) {
      log.append(step(i));
    }
    log.append(finished());

    assertThat(healthy.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(healthy.sequences()).hasSize(21);
    assertThat(log.subscriberCount()).isZero();
  }

  private static SearchEvent step(long i) {
    return new SearchEvent.ChildTrained(1, i, "macro: 0", 2.3, 0.05);
  }

  private static SearchEvent finished() {
    return new SearchEvent.Finished("macro: 0", 0.9, 1000, 12.5);
  }

  private static List<Long> range(long fromInclusive, long toExclusive) {
    return LongStream.range(fromInclusive, toExclusive).boxed().toList();
  }

  /** How a subscription ended. */
  record Outcome(CutReason reason, long resume) {
    static final Outcome COMPLETED = new Outcome(null, -1);

    static Outcome cut(CutReason reason, long resume) {
      return new Outcome(reason, resume);
    }
  }

  /** Records what a subscription delivered; its readiness follows a predicate of the count. */
  static class Recorder implements EventLog.Subscriber {
    private final IntPredicate ready;
    private final List<LoggedEvent> events = new ArrayList<>();
    final CompletableFuture<Outcome> result = new CompletableFuture<>();

    Recorder() {
      this(received -> true);
    }

    Recorder(IntPredicate ready) {
      this.ready = ready;
    }

    @Override
    public boolean ready() {
      synchronized (events) {
        return ready.test(events.size());
      }
    }

    @Override
    public void onEvent(LoggedEvent event) {
      synchronized (events) {
        events.add(event);
      }
    }

    @Override
    public void onComplete() {
      result.complete(Outcome.COMPLETED);
    }

    @Override
    public void onCut(CutReason reason, long resumeSequence) {
      result.complete(Outcome.cut(reason, resumeSequence));
    }

    Outcome outcome() throws Exception {
      return result.get(SAFETY_SECONDS, TimeUnit.SECONDS);
    }

    List<LoggedEvent> events() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }

    List<Long> sequences() {
      return events().stream().map(LoggedEvent::sequence).toList();
    }
  }
}
