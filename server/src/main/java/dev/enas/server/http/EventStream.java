package dev.enas.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Server-Sent Events connection: the source of its response body, an event-log subscription
 * whose pace is the connection's. Each event goes out as {@code data: <the SearchEvent as protobuf
 * JSON>} and {@code id: <sequence>}, so the browser's automatic reconnect sends {@code
 * Last-Event-ID} and continues right after the last event it received.
 *
 * <p>The subscription's deliveries run inside this stage (its executor hands each delivery run to
 * the stage as an asynchronous callback), so an appended event reaches the connection in one hop of
 * the response stream's actor: no second thread, queue or offer in between. The stage holds at most
 * {@value #AHEAD} events ahead of the connection; beyond that the events stay in the log, where
 * they fill the subscription's bounded buffer until the log cuts it, as it cuts a slow WatchSearch,
 * and the search never waits. A cut stream (a slow client, or the server stopping) sends a last
 * event of type {@code cut} whose data names the sequence to resume from and the reason, then ends;
 * the reconnect resumes there with no gap and no duplicate. After the search's terminal event the
 * stream ends.
 *
 * <p>One instance is one response: it is materialised once.
 */
final class EventStream extends GraphStage<SourceShape<ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  /** Encoded events the stage holds for the connection before it leaves the rest in the log. */
  static final int AHEAD = 16;

  /** The cut event is no proto message: Jackson writes it. */
  private static final ObjectMapper CUT_JSON = new ObjectMapper();

  private final Outlet<ByteString> out = Outlet.create("EventStream.out");
  private final SourceShape<ByteString> shape = SourceShape.of(out);
  private final String searchId;
  private final EventLog eventLog;
  private final long fromSequence;
  private final int bufferCapacity;
  private final EncodedEvents encoded;
  private final Consumer<EventStream> onStart;
  private final Consumer<EventStream> onEnd;
  private final AtomicBoolean materialized = new AtomicBoolean();
  private volatile EventLog.Subscription subscription;
  private volatile boolean stopRequested;

  /**
   * @param fromSequence the first event to send, which the caller checked against the log
   * @param bufferCapacity events the client may fall behind before its stream is cut
   * @param encoded the log's encoded events, shared with its other streams
   * @param onStart called when the response starts, before the first event
   * @param onEnd called once when the response ends, whatever ended it
   */
  EventStream(
      String searchId,
      EventLog eventLog,
      long fromSequence,
      int bufferCapacity,
      EncodedEvents encoded,
      Consumer<EventStream> onStart,
      Consumer<EventStream> onEnd) {
    this.searchId = searchId;
    this.eventLog = eventLog;
    this.fromSequence = fromSequence;
    this.bufferCapacity = bufferCapacity;
    this.encoded = encoded;
    this.onStart = onStart;
    this.onEnd = onEnd;
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
  public SourceShape<ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    if (!materialized.compareAndSet(false, true)) {
      throw new IllegalStateException("an event stream serves one response; it ran already");
    }
    return new Logic();
  }

  private final class Logic extends GraphStageLogic implements EventLog.Subscriber {
    /** Encoded events the connection has not pulled yet, at most {@link #AHEAD}. */
    private final ArrayDeque<ByteString> waiting = new ArrayDeque<>();

    /** The log has nothing more for this stream: complete once {@link #waiting} is sent. */
    private boolean finishing;

    /** {@link #ready()} said no, so the subscription waits for a wake-up. */
    private boolean refused;

    private EventLog.Subscription own;

    Logic() {
      super(shape);
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              ByteString next = waiting.poll();
              if (next != null) {
                push(out, next);
              }
              if (finishing) {
                if (waiting.isEmpty()) {
                  completeStage();
                }
              } else if (refused && waiting.size() < AHEAD) {
                refused = false;
                own.wake();
              }
            }
          });
    }

    @Override
    public void preStart() {
      onStart.accept(EventStream.this);
      AsyncCallback<Runnable> inStage = createAsyncCallback(Runnable::run);
      own = eventLog.subscribe(fromSequence, bufferCapacity, inStage::invoke, this);
      subscription = own;
      // A stop() before `subscription` was set could not reach it.
      if (stopRequested) {
        own.stop();
      }
    }

    @Override
    public void postStop() {
      // The client went away, everything was sent, or the stream failed: the log stops here.
      if (own != null) {
        own.cancel();
      }
      onEnd.accept(EventStream.this);
    }

    @Override
    public boolean ready() {
      if (waiting.size() < AHEAD) {
        return true;
      }
      refused = true;
      return false;
    }

    @Override
    public void onEvent(LoggedEvent event) {
      ByteString bytes;
      try {
        bytes = encoded.of(event);
      } catch (RuntimeException e) {
        log.error(
            "search {}: event {} has no JSON form; ending its event stream",
            searchId,
            event.sequence(),
            e);
        failStage(new IllegalStateException("event " + event.sequence() + " has no JSON form", e));
        return;
      }
      send(bytes);
    }

    @Override
    public void onComplete() {
      finish();
    }

    @Override
    public void onCut(EventLog.CutReason reason, long resumeSequence) {
      // resume_from is a string, as protobuf JSON writes the events' 64-bit sequence numbers.
      ObjectNode cut =
          CUT_JSON
              .createObjectNode()
              .put("resume_from", Long.toString(resumeSequence))
              .put("reason", reason.name());
      send(EncodedEvents.sse(cut.toString(), "cut", null));
      finish();
    }

    private void send(ByteString bytes) {
      if (waiting.isEmpty() && isAvailable(out)) {
        push(out, bytes);
      } else {
        waiting.add(bytes);
      }
    }

    private void finish() {
      finishing = true;
      if (waiting.isEmpty()) {
        completeStage();
      }
    }
  }
}
