package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The searches' journal on a real PostgreSQL server instead of the embedded H2 file, by
 * configuration only: a server process runs a search to its end with its events in PostgreSQL, and
 * a second server started on another, empty data directory (sharing only the database and the model
 * repository, as servers of one cluster will) answers every read of that search exactly as the
 * first did. Nothing of the search is in the second server's data directory, so every answer comes
 * from PostgreSQL.
 */
@Tag("slow")
class PostgresJournalTest {
  @TempDir Path dir;

  @Test
  void aSecondServerOnTheSameDatabaseAnswersForTheFirstServersSearch() throws Exception {
    Path parent = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    try (PostgresServer postgres = PostgresServer.start(parent)) {
      Path models = dir.resolve("models");
      String[] properties = properties(postgres, models);
      List<Object> first;
      try (ServerProcess a =
          ServerProcess.start(dir.resolve("a"), dir.resolve("a.log"), properties)) {
        String id =
            a.stub()
                .createSearch(
                    CreateSearchRequest.newBuilder()
                        .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 11)))
                        .setSearchId("shared")
                        .build())
                .getId();
        List<SearchEvent> events = JournalRecoveryTest.watch(a.stub(), id);
        assertThat(events).last().matches(SearchEvent::hasFinished, "finished");
        first = JournalRecoveryTest.answers(a.stub(), List.of(id));
        assertThat(a.terminate(2, TimeUnit.MINUTES)).isZero();
      }
      try (Connection c = DriverManager.getConnection(postgres.url(), "postgres", "");
          ResultSet rows =
              c.createStatement()
                  .executeQuery(
                      "select count(*) from event_journal where persistence_id like '%shared%'")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getLong(1)).as("the search's journal rows in PostgreSQL").isPositive();
      }
      try (ServerProcess b =
          ServerProcess.start(dir.resolve("b"), dir.resolve("b.log"), properties)) {
        assertThat(JournalRecoveryTest.answers(b.stub(), List.of("shared"))).isEqualTo(first);
      }
      // Neither server made the embedded journal file: the journal was PostgreSQL's alone.
      assertThat(dir.resolve("a/journal/enas.mv.db")).doesNotExist();
      assertThat(dir.resolve("b/journal/enas.mv.db")).doesNotExist();
    }
  }

  private static String[] properties(PostgresServer postgres, Path models) {
    String[] journal = postgres.journalProperties();
    String[] all = new String[journal.length + 1];
    System.arraycopy(journal, 0, all, 0, journal.length);
    all[journal.length] = "enas.serving.repository=" + models;
    return all;
  }
}
