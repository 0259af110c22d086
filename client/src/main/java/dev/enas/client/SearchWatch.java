package dev.enas.client;

import dev.enas.proto.v1.SearchEvent;
import io.grpc.Status;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A search's events as a blocking iterator, from a chosen sequence to the terminal event, that
 * reconnects by itself when the server cuts the stream (see {@link EnasClient#watch(String,
 * long)}). Close it to stop early; {@code hasNext} throws an {@link EnasException} when the watch
 * fails for good.
 */
public final class SearchWatch implements Iterator<SearchEvent>, AutoCloseable {
  // Events buffered ahead of the consumer; the server is asked for more as they are taken, so a
  // consumer that stops reading holds back the stream instead of filling memory.
  static final int WINDOW = 32;
  private static final Object END = new Object();

  private final String searchId;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final ResumingWatch watch;
  private Object head;
  private EnasException failure;
  private boolean finished;
  private volatile boolean closed;

  SearchWatch(String searchId, Function<ResumingWatch.Sink, ResumingWatch> watchFactory) {
    this.searchId = searchId;
    this.watch = watchFactory.apply(new QueueSink());
    watch.start();
  }

  /**
   * Whether another event follows, waiting for it while the search runs.
   *
   * @throws EnasException when the watch failed for good, or the waiting thread was interrupted
   *     (code CANCELLED; the watch is then closed)
   */
  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    if (head != null) {
      return true;
    }
    if (failure != null) {
      throw failure;
    }
    if (finished) {
      return false;
    }
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw EnasException.local(
          Status.Code.CANCELLED, "interrupted while watching search " + searchId, e);
    }
    if (item == END) {
      finished = true;
      return false;
    }
    if (item instanceof EnasException error) {
      failure = error;
      throw error;
    }
    head = item;
    return true;
  }

  @Override
  public SearchEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the watch of search " + searchId + " has ended");
    }
    SearchEvent event = (SearchEvent) head;
    head = null;
    watch.request(1);
    return event;
  }

  /** The remaining events as a sequential stream; closing the stream closes the watch. */
  public Stream<SearchEvent> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** Stops the watch and cancels its call; {@code hasNext} answers false from then on. */
  @Override
  public void close() {
    closed = true;
    watch.close();
    queue.offer(END);
  }

  /** Hands events over to the consuming thread. */
  private final class QueueSink implements ResumingWatch.Sink {
    @Override
    public void event(SearchEvent event) {
      queue.add(event);
    }

    @Override
    public void resuming(long fromSequence, EnasException cause) {
      // Invisible to the consumer by design: the iterator simply goes on.
    }

    @Override
    public void completed() {
      queue.add(END);
    }

    @Override
    public void failed(EnasException error) {
      queue.add(error);
    }
  }
}
