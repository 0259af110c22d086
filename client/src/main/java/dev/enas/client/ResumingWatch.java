package dev.enas.client;

import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One logical watch of a search, made of as many WatchSearch calls as interruptions require. It
 * remembers the sequence after the last event it handed on and asks the next call for exactly that
 * one, so whoever consumes the events sees every sequence once and in order however often the
 * server cut the stream. The server's resume point only tells a resumable cut from another
 * RESOURCE_EXHAUSTED; the position comes from what was actually delivered, which is right even if
 * the two ever differ.
 */
final class ResumingWatch {
  /** Receives a watch's events and its one terminal outcome; calls never overlap. */
  interface Sink {
    void event(SearchEvent event);

    void resuming(long fromSequence, EnasException cause);

    void completed();

    void failed(EnasException error);
  }

  private final SearchServiceGrpc.SearchServiceStub stub;
  private final String searchId;
  private final WatchRetry retry;
  private final ScheduledExecutorService scheduler;
  private final Sink sink;
  private final int window;

  private final Object lock = new Object();
  private ClientCallStreamObserver<WatchSearchRequest> call;
  private ScheduledFuture<?> pendingResume;
  private boolean closed;
  private boolean ended;
  // Messages asked for while the current call was starting, handed on once it has started.
  private int owed;

  // Written only by the callbacks of the current call; calls follow one another through the
  // scheduler, which orders the writes. Volatile for readers on other threads.
  private volatile long nextSequence;
  private int failuresInARow;

  /**
   * @param window messages each call may deliver before {@link #request} asks for more; 0 leaves
   *     flow control to gRPC, which asks for the next message when the sink returns
   */
  ResumingWatch(
      SearchServiceGrpc.SearchServiceStub stub,
      String searchId,
      long fromSequence,
      WatchRetry retry,
      ScheduledExecutorService scheduler,
      int window,
      Sink sink) {
    this.stub = stub;
    this.searchId = searchId;
    this.nextSequence = fromSequence;
    this.retry = retry;
    this.scheduler = scheduler;
    this.window = window;
    this.sink = sink;
  }

  void start() {
    open();
  }

  /** The sequence of the next event the sink will get. */
  long nextSequence() {
    return nextSequence;
  }

  /** Lets the current call deliver {@code messages} more; only with a window. */
  void request(int messages) {
    synchronized (lock) {
      if (call != null && !closed) {
        call.request(messages);
      } else {
        owed += messages;
      }
    }
  }

  /** Stops the watch; the sink hears nothing more once a callback already running returns. */
  void close() {
    ClientCallStreamObserver<WatchSearchRequest> current;
    ScheduledFuture<?> resume;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      current = call;
      resume = pendingResume;
    }
    if (current != null) {
      current.cancel("watch closed by the client", null);
    }
    if (resume != null) {
      resume.cancel(false);
    }
  }

  private void open() {
    synchronized (lock) {
      pendingResume = null;
      // Asks made between two calls fall away: a new call starts with a whole window.
      owed = 0;
      if (closed) {
        return;
      }
    }
    WatchSearchRequest request =
        WatchSearchRequest.newBuilder().setSearchId(searchId).setFromSequence(nextSequence).build();
    Call started = new Call();
    stub.watchSearch(request, started);
    // Published only now: a ClientCall must not be asked for messages before start() returned,
    // and request() comes from the consumer's thread.
    boolean cancel;
    synchronized (lock) {
      cancel = closed;
      if (!started.over && !closed) {
        call = started.stream;
        if (owed > 0) {
          call.request(owed);
          owed = 0;
        }
      }
    }
    if (cancel) {
      started.stream.cancel("watch closed by the client", null);
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void end(Runnable report) {
    synchronized (lock) {
      if (ended || closed) {
        return;
      }
      ended = true;
    }
    report.run();
  }

  private void interrupted(EnasException error) {
    boolean resumable =
        error.code() == Status.Code.UNAVAILABLE
            || (error.code() == Status.Code.RESOURCE_EXHAUSTED
                && error.resumeSequence().isPresent());
    if (!resumable || failuresInARow >= retry.maxAttempts()) {
      end(() -> sink.failed(error));
      return;
    }
    // A slow-watcher cut says nothing about the server's health: the first one reconnects at
    // once. Anything else, and a cut right after a reconnection, backs off.
    Duration wait =
        failuresInARow == 0 && error.code() == Status.Code.RESOURCE_EXHAUSTED
            ? Duration.ZERO
            : retry.backoff(failuresInARow);
    failuresInARow++;
    sink.resuming(nextSequence, error);
    synchronized (lock) {
      if (closed) {
        return;
      }
      try {
        pendingResume = scheduler.schedule(this::open, wait.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (RejectedExecutionException clientClosed) {
        // The client shut its scheduler down: the watch cannot go on, report the cut as it was.
      }
    }
    end(() -> sink.failed(error));
  }

  /** Callbacks of one WatchSearch call. */
  private final class Call implements ClientResponseObserver<WatchSearchRequest, SearchEvent> {
    private ClientCallStreamObserver<WatchSearchRequest> stream;
    // Guarded by lock: the call ended, so open() must not publish it.
    private boolean over;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchSearchRequest> requestStream) {
      stream = requestStream;
      if (window > 0) {
        requestStream.disableAutoRequestWithInitial(window);
      }
    }

    @Override
    public void onNext(SearchEvent event) {
      if (isClosed()) {
        // Cancelled already, or about to be by open(); nothing more is delivered either way.
        return;
      }
      if (event.getSequence() < nextSequence) {
        // Already delivered by an earlier call: a server that replays more than asked must not
        // make the consumer see an event twice.
        if (window > 0) {
          stream.request(1);
        }
        return;
      }
      nextSequence = event.getSequence() + 1;
      failuresInARow = 0;
      try {
        sink.event(event);
      } catch (RuntimeException listenerFailed) {
        end(
            () ->
                sink.failed(
                    EnasException.local(
                        Status.Code.CANCELLED,
                        "the watch of search "
                            + searchId
                            + " stopped because its listener threw "
                            + listenerFailed,
                        listenerFailed)));
        close();
      }
    }

    @Override
    public void onError(Throwable failure) {
      synchronized (lock) {
        over = true;
        if (call == stream) {
          call = null;
        }
        if (closed || ended) {
          return;
        }
      }
      interrupted(EnasException.from(failure));
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        over = true;
        if (call == stream) {
          call = null;
        }
      }
      end(sink::completed);
    }
  }
}
