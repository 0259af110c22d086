package dev.enas.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.enas.server.api.WireViews;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Server-Sent Events connection: an event-log subscription whose pace is the connection's. Each
 * event goes out as {@code id: <sequence>} and {@code data: <the SearchEvent as protobuf JSON>}, so
 * the browser's automatic reconnect sends {@code Last-Event-ID} and continues right after the last
 * event it received.
 *
 * <p>An event is handed to the stream's small queue only when the previous one was taken, so a
 * client that stops reading leaves the events in the log, where they fill the subscription's
 * bounded buffer until the log cuts it, as it cuts a slow WatchSearch; the search never waits. A
 * cut stream (a slow client, or the server stopping) sends a last event of type {@code cut} whose
 * data names the sequence to resume from and the reason, then ends; the reconnect resumes there
 * with no gap and no duplicate. After the search's terminal event the stream ends.
 */
final class EventStream implements EventLog.Subscriber {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .omittingInsignificantWhitespace();

  /** The cut event is no proto message: Jackson writes it. */
  private static final ObjectMapper CUT_JSON = new ObjectMapper();

  private final String searchId;
  private final Consumer<EventStream> onEnd;
  private volatile SourceQueueWithComplete<ServerSentEvent> queue;
  private volatile EventLog.Subscription subscription;

  /** The offer the stream has not taken yet; null when the queue has room. */
  private volatile CompletionStage<QueueOfferResult> pending;

  private volatile boolean stopRequested;
  private final AtomicBoolean ended = new AtomicBoolean();

  EventStream(String searchId, Consumer<EventStream> onEnd) {
    this.searchId = searchId;
    this.onEnd = onEnd;
  }

  /**
   * Starts delivering from {@code fromSequence} into the materialised queue of the response. The
   * stream's completion (the client went away, or everything was sent) ends the subscription.
   */
  void start(
      SourceQueueWithComplete<ServerSentEvent> materialized,
      EventLog eventLog,
      long fromSequence,
      int bufferCapacity,
      Executor delivery) {
    queue = materialized;
    materialized.watchCompletion().whenComplete((done, error) -> end());
    EventLog.Subscription started =
        eventLog.subscribe(fromSequence, bufferCapacity, delivery, this);
    subscription = started;
    // An offer that completed before `subscription` was set could not wake it.
    started.wake();
    if (stopRequested) {
      started.stop();
    }
  }

  /** Ends the stream with a {@code cut} event and its resume point: the server is stopping. */
  void stop() {
    stopRequested = true;
    EventLog.Subscription current = subscription;
    if (current != null) {
      current.stop();
    }
  }

  /** The search this stream follows. */
  String searchId() {
    return searchId;
  }

  @Override
  public boolean ready() {
    return pending == null;
  }

  @Override
  public void onEvent(LoggedEvent event) {
    String json;
    try {
      json = JSON.print(WireViews.event(searchId, event));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      log.error(
          "search {}: event {} has no JSON form; ending its event stream",
          searchId,
          event.sequence(),
          e);
      end();
      queue.fail(new IllegalStateException("event " + event.sequence() + " has no JSON form"));
      return;
    }
    offer(
        ServerSentEvent.create(
            json,
            Optional.empty(),
            Optional.of(Long.toString(event.sequence())),
            OptionalInt.empty()));
  }

  @Override
  public void onComplete() {
    afterPending(() -> queue.complete());
  }

  @Override
  public void onCut(EventLog.CutReason reason, long resumeSequence) {
    // resume_from is a string, as protobuf JSON writes the events' 64-bit sequence numbers.
    ObjectNode cut =
        CUT_JSON
            .createObjectNode()
            .put("resume_from", Long.toString(resumeSequence))
            .put("reason", reason.name());
    String data = cut.toString();
    afterPending(
        () ->
            queue
                .offer(ServerSentEvent.create(data, "cut"))
                .whenComplete((result, error) -> queue.complete()));
  }

  private void offer(ServerSentEvent sse) {
    CompletionStage<QueueOfferResult> offered = queue.offer(sse);
    pending = offered;
    // Runs at once if the queue took it, which clears `pending` before the next ready().
    offered.whenComplete(
        (result, error) -> {
          pending = null;
          EventLog.Subscription current = subscription;
          if (error != null || !QueueOfferResult.enqueued().equals(result)) {
            // The response stream is gone: the client left.
            if (current != null) {
              current.cancel();
            }
            end();
          } else if (current != null) {
            current.wake();
          }
        });
  }

  private void afterPending(Runnable action) {
    CompletionStage<QueueOfferResult> current = pending;
    if (current == null) {
      action.run();
    } else {
      current.whenComplete((result, error) -> action.run());
    }
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      EventLog.Subscription current = subscription;
      if (current != null) {
        current.cancel();
      }
      onEnd.accept(this);
    }
  }
}
