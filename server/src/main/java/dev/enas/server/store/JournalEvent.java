package dev.enas.server.store;

import dev.enas.spec.SearchSpec;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the journal holds about one search, in order: its creation, every event watchers saw with
 * the sequence and time the log gave it, and the model it published. The search's summary, log and
 * history are the fold of these; nothing else about a search survives a restart.
 */
public sealed interface JournalEvent {

  /**
   * The search was created; the first entry of every search.
   *
   * @param ordinal the search's place in creation order across restarts
   */
  record Created(String id, long ordinal, SearchSpec spec, Instant time) implements JournalEvent {
    public Created {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(spec, "spec");
      Objects.requireNonNull(time, "time");
    }
  }

  /** An event of the search's log, with its sequence number and time. */
  record Logged(long sequence, Instant time, SearchEvent event) implements JournalEvent {
    public Logged {
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(event, "event");
    }

    /** The same entry as the log hands it out. */
    public LoggedEvent logged() {
      return new LoggedEvent(sequence, time, event);
    }
  }

  /** The search published its retrained model as {@code version} of model {@code name}. */
  record ModelPublished(String name, long version) implements JournalEvent {
    public ModelPublished {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * The search resumed after a restart: from the snapshot after which its next event is {@code
   * sequence} (-1: from its start, no snapshot being usable), having passed over the newer
   * snapshots in {@code skipped} (file and fault) that could not be read. Not an event watchers
   * see: the log's sequence numbers stay those of the search itself.
   */
  record Restored(long sequence, List<String> skipped) implements JournalEvent {
    public Restored {
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * The search was paused (PauseSearch) or resumed: a paused search stays paused across restarts
   * and continues from its newest snapshot when resumed.
   */
  record Paused(boolean paused) implements JournalEvent {}
}
