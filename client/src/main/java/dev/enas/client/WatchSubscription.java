package dev.enas.client;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A running listener watch: close it to stop, or wait for it to end. Returned by {@link
 * EnasClient#watch(String, long, WatchListener)}.
 */
public final class WatchSubscription implements AutoCloseable {
  private final CountDownLatch ended = new CountDownLatch(1);
  private final ResumingWatch watch;

  WatchSubscription(
      WatchListener listener, Function<ResumingWatch.Sink, ResumingWatch> watchFactory) {
    this.watch =
        watchFactory.apply(
            new ResumingWatch.Sink() {
              @Override
              public void event(dev.enas.proto.v1.SearchEvent event) {
                listener.onEvent(event);
              }

              @Override
              public void resuming(long fromSequence, EnasException cause) {
                listener.onResume(fromSequence, cause);
              }

              @Override
              public void completed() {
                try {
                  listener.onCompleted();
                } finally {
                  ended.countDown();
                }
              }

              @Override
              public void failed(EnasException error) {
                try {
                  listener.onError(error);
                } finally {
                  ended.countDown();
                }
              }
            });
    watch.start();
  }

  /** The sequence number of the next event the listener will get. */
  public long nextSequence() {
    return watch.nextSequence();
  }

  /**
   * Waits until the watch completed, failed or was closed.
   *
   * @return false if {@code timeout} passed first
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Stops the watch: the listener hears nothing more once a callback already running returns. */
  @Override
  public void close() {
    watch.close();
    ended.countDown();
  }
}
