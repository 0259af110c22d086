package dev.enas.server.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The searches' journal as the server reads it: which searches exist, one search's entries in
 * order, and deleting a search's entries. Writing goes through each search's event-sourced journal
 * actor; reading goes through the read journal, so a finished search's events need no actor and no
 * memory until someone asks for them.
 */
public final class Journal {
  /** Every search's persistence id starts with this, followed by the search id. */
  public static final String PREFIX = "search|";

  private final JournalSettings settings;
  private final ActorSystem<?> system;
  private final JdbcReadJournal read;

  private Journal(JournalSettings settings, ActorSystem<?> system) {
    this.settings = settings;
    this.system = system;
    this.read =
        PersistenceQuery.get(system)
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
  }

  /**
   * Checks that the database opens with a plain JDBC connection, before any actor depends on it.
   *
   * @throws IOException naming the file (or url) and the setting, if it does not open
   */
  public static void check(JournalSettings settings) throws IOException {
    try {
      Class.forName(settings.driver());
    } catch (ClassNotFoundException e) {
      throw new IOException(
          "cannot open "
              + settings.describe()
              + ": the JDBC driver "
              + settings.driver()
              + " (enas.journal.driver) is not on the class path",
          e);
    }
    try (Connection connection = connect(settings)) {
      connection.isValid(10);
    } catch (SQLException e) {
      throw new IOException(
          "cannot open "
              + settings.describe()
              + " (set by "
              + settings.setting()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  /** The journal of an actor system configured by {@link JournalSettings#applyTo}. */
  public static Journal of(JournalSettings settings, ActorSystem<?> system) {
    return new Journal(settings, system);
  }

  /**
   * Makes the journal's tables where they do not exist yet; waits for it.
   *
   * @throws IOException if the tables cannot be made
   */
  public void createTables() throws IOException {
    try {
      SchemaUtils.createIfNotExists(system)
          .toCompletableFuture()
          .get(settings.recoveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the tables of " + settings.describe(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IOException(
          "cannot make the tables of "
              + settings.describe()
              + " (set by "
              + settings.setting()
              + "): "
              + cause.getMessage(),
          cause);
    }
  }

  public JournalSettings settings() {
    return settings;
  }

  /** The persistence id of a search. */
  public static String persistenceId(String searchId) {
    return PREFIX + searchId;
  }

  /** The ids of the searches with entries in the journal, in no particular order. */
  public CompletionStage<List<String>> searchIds() {
    return read.currentPersistenceIds()
        .filter(id -> id.startsWith(PREFIX))
        .map(id -> id.substring(PREFIX.length()))
        .runWith(Sink.seq(), system);
  }

  /** A search's entries, oldest first; empty for a search the journal does not hold. */
  public CompletionStage<List<JournalEvent>> entries(String searchId) {
    return read.currentEventsByPersistenceId(persistenceId(searchId), 0, Long.MAX_VALUE)
        .map(envelope -> (JournalEvent) envelope.event())
        .runWith(Sink.seq(), system);
  }

  /** A journal entry with its place in the search's journal (1 for the creation, then on). */
  public record Sequenced(long sequenceNr, JournalEvent entry) {}

  /**
   * A search's entries from sequence number {@code from} on (1 is the creation), oldest first, as
   * far as the journal holds them now.
   */
  public CompletionStage<List<Sequenced>> entriesFrom(String searchId, long from) {
    return read.currentEventsByPersistenceId(persistenceId(searchId), from, Long.MAX_VALUE)
        .map(envelope -> new Sequenced(envelope.sequenceNr(), (JournalEvent) envelope.event()))
        .runWith(Sink.seq(), system);
  }

  /**
   * Follows a search's journal from sequence number {@code from} on, live: {@code batches} gets the
   * entries in order, as the journal's read side finds them (every {@code
   * jdbc-read-journal.refresh-interval}), on a stream thread. Runs until the switch is shut down. A
   * failed read (the database away for a moment, a query timed out under load) is logged and the
   * query starts again after a backoff from the entry after the last one read, so a follower never
   * stops silently; an entry may then come twice, never out of order.
   */
  public UniqueKillSwitch follow(String searchId, long from, Consumer<List<Sequenced>> batches) {
    AtomicLong next = new AtomicLong(from);
    RestartSettings backoff =
        RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);
    return RestartSource.onFailuresWithBackoff(
            backoff,
            () ->
                read.eventsByPersistenceId(persistenceId(searchId), next.get(), Long.MAX_VALUE)
                    .map(
                        envelope -> {
                          next.set(envelope.sequenceNr() + 1);
                          return new Sequenced(
                              envelope.sequenceNr(), (JournalEvent) envelope.event());
                        }))
        .viaMat(KillSwitches.single(), Keep.right())
        .groupedWithin(512, Duration.ofMillis(20))
        .toMat(Sink.foreach(batches::accept), Keep.left())
        .run(system);
  }

  /**
   * Removes every entry of a search. Blocking: call it off the actors' threads, and only for a
   * search whose journal actor has stopped.
   */
  public void delete(String searchId) throws SQLException {
    try (Connection connection = connect(settings)) {
      connection.setAutoCommit(false);
      for (String table : List.of("\"snapshot\"", "\"event_journal\"")) {
        try (PreparedStatement delete =
            connection.prepareStatement("DELETE FROM " + table + " WHERE \"persistence_id\" = ?")) {
          delete.setString(1, persistenceId(searchId));
          delete.executeUpdate();
        }
      }
      connection.commit();
    }
  }

  private static Connection connect(JournalSettings settings) throws SQLException {
    return DriverManager.getConnection(settings.url(), settings.user(), settings.password());
  }
}
