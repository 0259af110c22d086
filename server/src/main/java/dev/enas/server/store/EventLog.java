package dev.enas.server.store;

import dev.enas.train.SearchEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only event log of one search, which any number of subscribers replay from any sequence
 * number and then follow live.
 *
 * <p>Appending never waits for a subscriber: it stores the event and nudges each subscription,
 * whose delivery runs on an executor of the subscriber's choosing. A subscriber starts by reading
 * the events already logged at its own pace; every event appended after it subscribed occupies a
 * slot of its bounded buffer until delivered. When an append would need more slots than the buffer
 * has, the subscription is cut with {@link CutReason#OVERFLOW} and the sequence to resume from,
 * which is the first event it did not receive. Registration and appends share one lock, so the
 * switch from replay to live can neither skip nor repeat an event.
 *
 * <p>A terminal event ({@code Finished}, {@code Failed}, {@code Cancelled}) closes the log; each
 * subscription completes once it has delivered everything up to that event.
 *
 * <p>Events stay in memory, in fixed-size segments of plain arrays (12 to 16 bytes per event beside
 * the event itself), so a log of 100,000 events costs little and never copies itself as it grows.
 */
public final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  private static final int SEGMENT_BITS = 10;
  private static final int SEGMENT_SIZE = 1 << SEGMENT_BITS;
  private static final int SEGMENT_MASK = SEGMENT_SIZE - 1;

  /** Events one delivery run hands over before yielding its thread to other subscriptions. */
  private static final int DELIVERY_BATCH = 256;

  private final Clock clock;
  private final Object appendLock = new Object();
  private final CopyOnWriteArrayList<SubscriptionImpl> subscriptions = new CopyOnWriteArrayList<>();

  // Written under appendLock; read without it. An event's slot is written before `size` makes it
  // visible, and `size` before `closed`, so a reader that sees closed also sees the final size.
  private volatile Segment[] segments = new Segment[8];
  private volatile long size;
  private volatile boolean closed;
  private long lastTimeNanos = Long.MIN_VALUE;

  /** A log whose timestamps come from the system clock. */
  public EventLog() {
    this(Clock.systemUTC());
  }

  /** A log whose timestamps come from the given clock (tests pass a fixed one). */
  public EventLog(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Appends an event and returns its sequence number. A terminal event closes the log.
   *
   * @throws IllegalStateException if the log is already closed
   */
  public long append(SearchEvent event) {
    return append(event, logged -> {});
  }

  /**
   * Appends an event and hands it to {@code beforeVisible} before any reader or subscriber can see
   * it, so that a summary kept beside the log is never behind what watchers have been shown (a
   * watcher that saw Finished and then reads the summary finds the result). The callback runs under
   * the append lock: it must be quick and must not touch this log.
   *
   * @throws IllegalStateException if the log is already closed
   */
  public long append(SearchEvent event, Consumer<LoggedEvent> beforeVisible) {
    return append(event, null, beforeVisible);
  }

  /**
   * Appends an event that was logged before, at the time it was logged then: a log rebuilt from the
   * journal gives every event the time watchers saw before the restart. Times still never run
   * backwards.
   *
   * @throws IllegalStateException if the log is already closed
   */
  public long appendAt(SearchEvent event, Instant time, Consumer<LoggedEvent> beforeVisible) {
    return append(event, Objects.requireNonNull(time, "time"), beforeVisible);
  }

  private long append(SearchEvent event, Instant time, Consumer<LoggedEvent> beforeVisible) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(beforeVisible, "beforeVisible");
    long sequence;
    synchronized (appendLock) {
      if (closed) {
        throw new IllegalStateException(
            "the log is closed: a terminal event was already appended at sequence " + (size - 1));
      }
      sequence = size;
      int segmentIndex = (int) (sequence >>> SEGMENT_BITS);
      Segment[] current = segments;
      if (segmentIndex == current.length) {
        current = Arrays.copyOf(current, current.length * 2);
        segments = current;
      }
      Segment segment = current[segmentIndex];
      if (segment == null) {
        segment = new Segment();
        current[segmentIndex] = segment;
      }
      int offset = (int) (sequence & SEGMENT_MASK);
      segment.events[offset] = event;
      // A clock stepping back must not make the log's times run backwards.
      lastTimeNanos = Math.max(lastTimeNanos, toNanos(time != null ? time : clock.instant()));
      segment.timeNanos[offset] = lastTimeNanos;
      beforeVisible.accept(new LoggedEvent(sequence, fromNanos(lastTimeNanos), event));
      size = sequence + 1;
      if (isTerminal(event)) {
        closed = true;
      }
    }
    for (SubscriptionImpl subscription : subscriptions) {
      subscription.onAppended();
    }
    return sequence;
  }

  /** Events logged so far, which is also the sequence number the next event will get. */
  public long size() {
    return size;
  }

  /** Whether a terminal event was appended; nothing follows it. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * The event at a sequence number.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= sequence < size()}
   */
  public LoggedEvent get(long sequence) {
    long visible = size;
    if (sequence < 0 || sequence >= visible) {
      throw new IndexOutOfBoundsException(
          "sequence " + sequence + " is outside 0.." + (visible - 1));
    }
    Segment segment = segments[(int) (sequence >>> SEGMENT_BITS)];
    int offset = (int) (sequence & SEGMENT_MASK);
    return new LoggedEvent(sequence, fromNanos(segment.timeNanos[offset]), segment.events[offset]);
  }

  /**
   * Ends every subscription with {@link Subscriber#onCut} ({@link CutReason#MOVED}), each with the
   * sequence it would have delivered next: for a log whose search this node stops running while it
   * goes on elsewhere.
   */
  public void moveAll() {
    for (SubscriptionImpl subscription : subscriptions) {
      subscription.stop(CutReason.MOVED);
    }
  }

  /** Subscriptions still delivering, for monitoring and for tests that check none leaks. */
  public int subscriberCount() {
    return subscriptions.size();
  }

  /**
   * Delivers every event from {@code fromSequence} on to the subscriber, first those already
   * logged, then live ones, until the log closes, the buffer overflows, or the subscription is
   * cancelled or stopped. All callbacks run on {@code delivery}, one at a time.
   *
   * @param fromSequence first event to deliver, in {@code 0..size()}
   * @param bufferCapacity events appended after this call that may wait undelivered before the
   *     subscription is cut
   * @param delivery runs the subscription's deliveries; a rejected task ends the subscription
   *     silently, which is what a shut-down executor means
   * @throws IllegalArgumentException if {@code fromSequence} is outside {@code 0..size()} or the
   *     capacity is below 1
   */
  public Subscription subscribe(
      long fromSequence, int bufferCapacity, Executor delivery, Subscriber subscriber) {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(subscriber, "subscriber");
    if (bufferCapacity < 1) {
      throw new IllegalArgumentException(
          "bufferCapacity must be at least 1, was " + bufferCapacity);
    }
    SubscriptionImpl subscription;
    synchronized (appendLock) {
      long visible = size;
      if (fromSequence < 0 || fromSequence > visible) {
        throw new IllegalArgumentException(
            "fromSequence must be in 0.." + visible + ", was " + fromSequence);
      }
      subscription =
          new SubscriptionImpl(fromSequence, visible, bufferCapacity, delivery, subscriber);
      subscriptions.add(subscription);
    }
    subscription.schedule();
    return subscription;
  }

  private static boolean isTerminal(SearchEvent event) {
    return event instanceof SearchEvent.Finished
        || event instanceof SearchEvent.Failed
        || event instanceof SearchEvent.Cancelled;
  }

  private static long toNanos(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }

  private static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Why a subscription ended before the end of the log. */
  public enum CutReason {
    /** The subscriber fell behind by more than its buffer; it should resume from the sequence. */
    OVERFLOW,
    /** {@link Subscription#stop()} ended it, for example because the server is shutting down. */
    STOPPED,
    /**
     * {@link #moveAll()} ended it: this node stopped running the search, which goes on elsewhere in
     * the cluster.
     */
    MOVED
  }

  /**
   * Receives a subscription's events. Every callback runs on the subscription's executor, one at a
   * time and in order; none may block, since a blocked callback holds a delivery thread.
   */
  public interface Subscriber {
    /**
     * Whether another event may be handed over now. Delivery pauses while this answers false and
     * resumes after {@link Subscription#wake()}; events appended meanwhile fill the buffer.
     */
    default boolean ready() {
      return true;
    }

    /** The next event; sequence numbers arrive in order without gaps. */
    void onEvent(LoggedEvent event);

    /** The log is closed and its last event was delivered. Nothing follows. */
    void onComplete();

    /**
     * The subscription ended early. Subscribing again from {@code resumeSequence} continues the
     * stream with no gap and no duplicate. Nothing follows.
     */
    void onCut(CutReason reason, long resumeSequence);
  }

  /** A subscriber's handle on its subscription; every method is safe from any thread. */
  public interface Subscription {
    /** Tells the subscription that {@link Subscriber#ready()} may have turned true. */
    void wake();

    /** Ends the subscription without a further callback: the subscriber has gone. */
    void cancel();

    /** Ends the subscription with {@link Subscriber#onCut} ({@link CutReason#STOPPED}). */
    void stop();

    /** Sequence number of the next event to deliver. */
    long nextSequence();
  }

  private static final class Segment {
    final SearchEvent[] events = new SearchEvent[SEGMENT_SIZE];
    final long[] timeNanos = new long[SEGMENT_SIZE];
  }

  /**
   * One subscription's state. The delivery loop runs on the executor and is serialised by {@code
   * pending}: whoever raises it from zero submits the loop, and the loop runs again for every
   * signal that arrived while it ran, so no wake-up is lost and no two runs overlap.
   */
  private final class SubscriptionImpl implements Subscription, Runnable {
    private final int capacity;
    private final long liveFrom;
    private final Executor delivery;
    private final Subscriber subscriber;
    private final AtomicInteger pending = new AtomicInteger();

    /** Next sequence to deliver; written only by the delivery loop. */
    private volatile long cursor;

    /** Set by the loop when the subscriber was not ready; appends then need not wake it. */
    private volatile boolean parked;

    private volatile boolean cancelled;
    private volatile boolean stopRequested;
    private volatile CutReason stopReason = CutReason.STOPPED;
    private volatile boolean ended;

    SubscriptionImpl(
        long from, long liveFrom, int capacity, Executor delivery, Subscriber subscriber) {
      this.cursor = from;
      this.liveFrom = liveFrom;
      this.capacity = capacity;
      this.delivery = delivery;
      this.subscriber = subscriber;
    }

    /** Events appended since subscribing that this subscriber has not received yet. */
    private long buffered(long head) {
      return head - Math.max(cursor, liveFrom);
    }

    void onAppended() {
      // A parked subscriber is woken by wake(); the append only matters if it overflows the
      // buffer or closes the log. A stale cursor only overstates the backlog, and the loop
      // checks again before cutting.
      if (!parked || closed || buffered(size) > capacity) {
        schedule();
      }
    }

    void schedule() {
      if (ended || pending.getAndIncrement() != 0) {
        return;
      }
      submit();
    }

    private void submit() {
      try {
        delivery.execute(this);
      } catch (RejectedExecutionException e) {
        log.debug("delivery executor rejected a subscription; ending it", e);
        end();
      }
    }

    @Override
    public void wake() {
      parked = false;
      schedule();
    }

    @Override
    public void cancel() {
      cancelled = true;
      subscriptions.remove(this);
      schedule();
    }

    @Override
    public void stop() {
      stop(CutReason.STOPPED);
    }

    void stop(CutReason reason) {
      stopReason = reason;
      stopRequested = true;
      schedule();
    }

    @Override
    public long nextSequence() {
      return cursor;
    }

    @Override
    public void run() {
      int signals = pending.get();
      while (true) {
        Step step;
        try {
          step = deliver();
        } catch (RuntimeException | Error e) {
          // A subscriber that throws has broken its contract; it must not take the log with it.
          log.warn("event subscriber failed at sequence {}; ending its subscription", cursor, e);
          end();
          return;
        }
        if (step == Step.ENDED) {
          return;
        }
        if (step == Step.YIELD) {
          // Keep `pending` raised so nobody else submits, and queue behind other subscriptions.
          submit();
          return;
        }
        signals = pending.addAndGet(-signals);
        if (signals == 0) {
          return;
        }
      }
    }

    private Step deliver() {
      int handed = 0;
      while (true) {
        if (ended) {
          return Step.ENDED;
        }
        if (cancelled) {
          end();
          return Step.ENDED;
        }
        if (stopRequested) {
          end();
          subscriber.onCut(stopReason, cursor);
          return Step.ENDED;
        }
        boolean closedNow = closed;
        long head = size;
        if (buffered(head) > capacity) {
          end();
          subscriber.onCut(CutReason.OVERFLOW, cursor);
          return Step.ENDED;
        }
        long next = cursor;
        if (next == head) {
          if (closedNow) {
            end();
            subscriber.onComplete();
            return Step.ENDED;
          }
          return Step.IDLE;
        }
        if (handed == DELIVERY_BATCH) {
          return Step.YIELD;
        }
        if (!subscriber.ready()) {
          parked = true;
          // A wake() between ready() and `parked = true` has already raised `pending`, so the
          // run loop comes back here instead of sleeping through it.
          return Step.IDLE;
        }
        if (parked) {
          // A wake() raced with the check that parked us; appends must wake us again.
          parked = false;
        }
        subscriber.onEvent(get(next));
        cursor = next + 1;
        handed++;
      }
    }

    private void end() {
      ended = true;
      subscriptions.remove(this);
    }
  }

  private enum Step {
    IDLE,
    YIELD,
    ENDED
  }
}
