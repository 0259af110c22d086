package dev.enas.server.api;

import dev.enas.proto.v1.SearchEvent;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One WatchSearch stream: an event-log subscription whose pace is the stream's flow control. Events
 * go out only while the transport is ready, so a client that stops reading leaves them in the log,
 * where they fill the subscription's bounded buffer until the log cuts it; the search itself never
 * waits. The stream's handlers are set while the RPC method runs, as gRPC requires, before the
 * asynchronous lookup of the log has finished, so cancellation and shutdown are honoured in every
 * order in which they can arrive.
 */
final class WatchCall implements EventLog.Subscriber {
  private final String searchId;
  private final ServerCallStreamObserver<SearchEvent> stream;
  private final int bufferCapacity;
  private final Consumer<WatchCall> onEnd;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile EventLog.Subscription subscription;
  private volatile boolean cancelled;
  private volatile boolean stopRequested;

  WatchCall(
      String searchId,
      ServerCallStreamObserver<SearchEvent> stream,
      int bufferCapacity,
      Consumer<WatchCall> onEnd) {
    this.searchId = searchId;
    this.stream = stream;
    this.bufferCapacity = bufferCapacity;
    this.onEnd = onEnd;
    stream.setOnCancelHandler(this::clientCancelled);
    stream.setOnReadyHandler(this::transportReady);
  }

  /** Starts delivering from {@code fromSequence}, which the caller checked against the log. */
  void attach(EventLog log, long fromSequence, Executor delivery) {
    if (cancelled) {
      end();
      return;
    }
    EventLog.Subscription started = log.subscribe(fromSequence, bufferCapacity, delivery, this);
    subscription = started;
    // Either the flag was set before `subscription` was, and is seen here, or the setter sees
    // the subscription: volatile ordering rules out both missing each other.
    if (cancelled) {
      started.cancel();
      end();
    } else if (stopRequested) {
      started.stop();
    }
  }

  /** Ends the stream before it started delivering, for a search or log that could not be had. */
  void fail(StatusRuntimeException status) {
    if (ended.compareAndSet(false, true)) {
      if (!cancelled) {
        stream.onError(status);
      }
      onEnd.accept(this);
    }
  }

  /** Ends the stream with UNAVAILABLE and its resume point, because the server is stopping. */
  void stop() {
    stopRequested = true;
    EventLog.Subscription current = subscription;
    if (current != null) {
      current.stop();
    }
  }

  @Override
  public boolean ready() {
    return stream.isReady();
  }

  @Override
  public void onEvent(LoggedEvent event) {
    SearchEvent wire;
    try {
      wire = EventMapper.toWire(searchId, event);
    } catch (RuntimeException e) {
      subscription.cancel();
      fail(Statuses.toStatus(e));
      return;
    }
    stream.onNext(wire);
  }

  @Override
  public void onComplete() {
    if (ended.compareAndSet(false, true)) {
      stream.onCompleted();
      onEnd.accept(this);
    }
  }

  @Override
  public void onCut(EventLog.CutReason reason, long resumeSequence) {
    fail(Statuses.watchCut(reason, resumeSequence, bufferCapacity));
  }

  private void clientCancelled() {
    cancelled = true;
    EventLog.Subscription current = subscription;
    if (current != null) {
      current.cancel();
      end();
    }
  }

  private void transportReady() {
    EventLog.Subscription current = subscription;
    if (current != null) {
      current.wake();
    }
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      onEnd.accept(this);
    }
  }
}
