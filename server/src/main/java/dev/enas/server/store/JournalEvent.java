package dev.enas.server.store;

import dev.enas.spec.SearchSpec;
import dev.enas.train.SearchEvent;
import java.time.Instant;
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
}
