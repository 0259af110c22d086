package dev.enas.train;

import dev.enas.spec.SearchSpec;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole ENAS search in one thread, as the paper runs it: each epoch trains the shared weights for
 * one pass, one sampled child per minibatch, then makes a number of controller updates, each from
 * several children rewarded on validation minibatches. Afterwards it derives the best child from
 * the trained policy, retrains it from scratch and reports its test accuracy.
 *
 * <p>Every step is reported to the listener as a {@link SearchEvent}; the last event is always the
 * terminal one (finished, failed or cancelled), right after the phase change to its phase.
 * Cancellation is checked at every step boundary. The same spec (seed included) on the same machine
 * gives the same sequence of sampled architectures and the same derived child. The algorithm itself
 * is {@link SearchRun}'s; this loop drives it to the end in one thread, and is the baseline a
 * scheduler's overhead is measured against.
 */
public final class SearchLoop {
  private static final Logger log = LoggerFactory.getLogger(SearchLoop.class);

  private final SearchSpec spec;
  private final Consumer<SearchEvent> listener;
  private final BooleanSupplier cancelRequested;

  /**
   * @param spec the search; validated here, before anything is loaded
   * @param listener receives every event in order, on the loop's thread; must not block for long
   * @param cancelRequested polled at every step boundary
   */
  public SearchLoop(
      SearchSpec spec, Consumer<SearchEvent> listener, BooleanSupplier cancelRequested) {
    this.spec = spec.validate();
    this.listener = Objects.requireNonNull(listener, "listener");
    this.cancelRequested = Objects.requireNonNull(cancelRequested, "cancelRequested");
  }

  /** Runs the search to its end and returns how it ended; never throws for a failed search. */
  public SearchResult run() {
    long start = System.nanoTime();
    try {
      SearchData data = SearchData.load(spec);
      return search(data, start);
    } catch (Cancelled c) {
      emit(new SearchEvent.PhaseChanged(Phase.CANCELLED));
      emit(new SearchEvent.Cancelled(c.getMessage()));
      return SearchResult.cancelled(c.getMessage());
    } catch (Exception | OutOfMemoryError e) {
      log.warn("search failed", e);
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      emit(new SearchEvent.PhaseChanged(Phase.FAILED));
      emit(new SearchEvent.Failed(reason));
      return SearchResult.failed(reason);
    }
  }

  private SearchResult search(SearchData data, long start) {
    try (SearchRun search = SearchRun.start(spec, data, start)) {
      while (!search.finished()) {
        search.step(this::emit, this::checkCancelled);
      }
      return search.result();
    }
  }

  private void checkCancelled() {
    if (cancelRequested.getAsBoolean()) {
      throw new Cancelled("cancelled on request");
    }
  }

  private void emit(SearchEvent event) {
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      // A broken listener must not take the search down with it.
      log.warn("search listener failed on {}", event, e);
    }
  }

  /** Unwinds the loop at a step boundary when cancellation was requested. */
  static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled(String message) {
      super(message, null, false, false);
    }
  }
}
