package dev.enas.server.store;

import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * One event of a search's log with the position and time the log gave it. The sequence is what
 * watchers resume from, so it is assigned by the log alone, never by whoever appends.
 *
 * @param sequence position in the log, from 0, without gaps
 * @param time when the event was appended; never earlier than the event before it
 * @param event what happened
 */
public record LoggedEvent(long sequence, Instant time, SearchEvent event) {
  public LoggedEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(event, "event");
  }
}
