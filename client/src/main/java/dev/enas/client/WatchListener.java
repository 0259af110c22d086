package dev.enas.client;

import dev.enas.proto.v1.SearchEvent;

/**
 * Callbacks of a watch started with {@link EnasClient#watch(String, long, WatchListener)}. They run
 * on gRPC's threads one at a time, never concurrently, and the next event is not asked for until
 * {@code onEvent} returns: keep them short, or hand the work over.
 */
public interface WatchListener {
  /** The next event; each sequence number arrives once, in order. */
  void onEvent(SearchEvent event);

  /**
   * The stream was interrupted and the watch reconnects from {@code fromSequence}; for logging
   * only, since no event is lost.
   */
  default void onResume(long fromSequence, EnasException cause) {}

  /** The search's event log is complete: the terminal event was the last {@code onEvent}. */
  void onCompleted();

  /** The watch failed for good (for example NOT_FOUND, or retries used up); nothing follows. */
  void onError(EnasException error);
}
