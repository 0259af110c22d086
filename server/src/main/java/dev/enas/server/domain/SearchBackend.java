package dev.enas.server.domain;

import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What the API needs from whatever runs searches (the actors, or an in-memory fake in tests). Every
 * call answers asynchronously so that the gRPC threads never wait on a search; a call fails with
 * one of the {@link SearchBackendException} subtypes for anything the client caused, and with any
 * other exception only for bugs, which the client sees as INTERNAL.
 *
 * <p>Paging uses cursors the backend chooses: {@code 0} asks for the first page, and a page whose
 * {@link Page#nextCursor()} is {@code 0} is the last. The API wraps cursors in opaque, checksummed
 * page tokens, so a backend only ever receives cursors it produced itself (for the same query).
 */
public interface SearchBackend {

  /**
   * Starts a search from a spec that already passed {@link SearchSpec#validate()}.
   *
   * @param requestedId an id the client chose, already checked for its format; empty to let the
   *     backend choose one
   * @return the new search; fails with {@link SearchBackendException.AlreadyExists} for a taken id,
   *     {@link SearchBackendException.ResourceExhausted} when no more searches may run, or {@link
   *     SearchBackendException.InvalidSpec} for what only the backend can check (a data folder that
   *     does not exist, for example)
   */
  CompletionStage<SearchInfo> create(SearchSpec spec, String requestedId);

  /** One search; fails with {@link SearchBackendException.NotFound} for an unknown id. */
  CompletionStage<SearchInfo> get(String id);

  /**
   * Searches in creation order.
   *
   * @param pageSize at most this many, at least 1
   * @param cursor 0, or a {@link Page#nextCursor()} of an earlier call with the same phases
   * @param phases only searches in one of these phases; empty for all
   */
  CompletionStage<Page<SearchInfo>> list(int pageSize, long cursor, Set<Phase> phases);

  /**
   * Asks a search to stop at its next step boundary and answers with its state at the time of the
   * request. Cancelling a cancelled search succeeds again; one that succeeded or failed fails with
   * {@link SearchBackendException.FailedPrecondition}.
   */
  CompletionStage<SearchInfo> cancel(String id, String reason);

  /**
   * Pauses a search: it snapshots itself at its next step boundary, frees its memory and stays
   * paused (across restarts too) until {@link #resume}. Answers with the search as it was; pausing
   * a paused search succeeds again. An ended search fails with {@link
   * SearchBackendException.FailedPrecondition}, an unknown one with {@link
   * SearchBackendException.NotFound}. A backend that keeps no journal cannot pause: this default
   * refuses with FAILED_PRECONDITION.
   */
  default CompletionStage<SearchInfo> pause(String id) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new SearchBackendException.FailedPrecondition(
            "journal",
            "this server keeps no journal, so a paused search could not keep its place"));
  }

  /**
   * Resumes a paused search from the snapshot it paused at; answers with the search as it was. A
   * search that is not paused is left as it is; an unknown one fails with {@link
   * SearchBackendException.NotFound}.
   */
  default CompletionStage<SearchInfo> resume(String id) {
    return get(id);
  }

  /**
   * Forgets an ended search and its journaled events; its published model stays. Answers with the
   * search as it was. A search that has not ended fails with {@link
   * SearchBackendException.FailedPrecondition}, an unknown one with {@link
   * SearchBackendException.NotFound}.
   */
  CompletionStage<SearchInfo> delete(String id);

  /** The search's event log, which WatchSearch subscribes to. */
  CompletionStage<EventLog> eventLog(String id);

  /**
   * One entry of the sampled history; fails with {@link SearchBackendException.NotFound} for an
   * unknown search or an index past the end of the history.
   */
  CompletionStage<HistoryEntry> architecture(String id, long index);

  /**
   * The sampled history, a page at a time.
   *
   * @param cursor 0, or a {@link Page#nextCursor()} of an earlier call with the same search and
   *     order
   */
  CompletionStage<Page<HistoryEntry>> architectures(
      String id, int pageSize, long cursor, ArchitectureOrder order);

  /**
   * The model file a search published, read whole: an exported child is a few megabytes at most.
   *
   * @param version a version of the search's model, or 0 for the one the search published
   * @return fails with {@link SearchBackendException.NotFound} for an unknown search, a search
   *     without a model, or a version the model repository does not hold
   */
  CompletionStage<ModelFile> model(String id, long version);

  /** A model file's bytes with the name and version it is served under. */
  record ModelFile(String name, long version, byte[] bytes) {}
}
