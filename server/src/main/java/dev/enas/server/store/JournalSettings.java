package dev.enas.server.store;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Where the searches' journal lives, read from {@code enas.journal}. By default an embedded H2
 * database in one file under the data directory, so a server needs nothing installed; any JDBC
 * database that pekko-persistence-jdbc supports (PostgreSQL when several servers share one journal)
 * by setting {@code url}, {@code driver}, {@code profile}, {@code user} and {@code password}.
 *
 * @param url the JDBC url
 * @param file the H2 database file the url names, or null for a database that is not a file here
 * @param setting the configuration key the url came from, named in every error about it
 * @param recoveryTimeout how long reading the journal at start may take
 */
public record JournalSettings(
    String url,
    String driver,
    String profile,
    String user,
    String password,
    int maxConnections,
    Path file,
    String setting,
    Duration recoveryTimeout) {

  /** The key that selects the database. */
  public static final String URL_KEY = "enas.journal.url";

  /** The key of the data directory the default database lives in. */
  public static final String DATA_DIR_KEY = "enas.data-dir";

  /** Name of the shared database the journal, snapshot store and read journal all use. */
  static final String SHARED_DB = "enas";

  public JournalSettings {
    if (maxConnections < 1 || maxConnections > 100) {
      throw new IllegalArgumentException(
          "enas.journal.max-connections must be in 1..100, was " + maxConnections);
    }
    if (recoveryTimeout.isNegative() || recoveryTimeout.isZero()) {
      throw new IllegalArgumentException(
          "enas.journal.recovery-timeout must be positive, was " + recoveryTimeout);
    }
  }

  /**
   * Reads {@code url} (empty: H2 in {@code <data-dir>/journal/enas.mv.db}), {@code driver}, {@code
   * profile}, {@code user}, {@code password}, {@code max-connections} and {@code recovery-timeout}
   * from {@code enas.journal}, and {@code enas.data-dir}.
   */
  public static JournalSettings fromConfig(Config enas) {
    Config journal = enas.getConfig("journal");
    String url = journal.getString("url");
    Path file = null;
    String setting = URL_KEY;
    if (url.isBlank()) {
      Path base =
          Path.of(enas.getString("data-dir"))
              .toAbsolutePath()
              .normalize()
              .resolve("journal")
              .resolve("enas");
      file = base.resolveSibling("enas.mv.db");
      // WRITE_DELAY=0: a commit is on disk when it returns, so a SIGKILL loses no written entry
      // (H2 otherwise writes committed changes up to a second later).
      // MAX_LENGTH_INPLACE_LOB=4096: an entry's payload (a BLOB column) up to 4 KB, which is
      // nearly every one, is stored in its row. Otherwise each payload is a LOB of its own,
      // and H2 keeps every LOB a query returned referenced from the connection for LOB_TIMEOUT
      // (5 minutes): the start, which reads every entry once, held about 110 bytes of heap per
      // journaled event for minutes (bench/README.md, retained-heap).
      url =
          "jdbc:h2:file:"
              + base
              + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=4096";
      setting = DATA_DIR_KEY + " (" + URL_KEY + " is empty)";
    } else if (url.startsWith("jdbc:h2:file:")) {
      String path = url.substring("jdbc:h2:file:".length()).split(";", 2)[0];
      file = Path.of(path + ".mv.db").toAbsolutePath().normalize();
    }
    return new JournalSettings(
        url,
        journal.getString("driver"),
        journal.getString("profile"),
        journal.getString("user"),
        journal.getString("password"),
        journal.getInt("max-connections"),
        file,
        setting,
        journal.getDuration("recovery-timeout"));
  }

  /** What to call the journal in messages: its file, or its url without credentials. */
  public String describe() {
    return file != null ? "the journal file " + file : "the journal database " + url;
  }

  /**
   * The configuration with pekko-persistence-jdbc pointed at this database: the journal, the
   * snapshot store and the read journal share one connection pool.
   */
  public Config applyTo(Config config) {
    String db = "pekko-persistence-jdbc.shared-databases." + SHARED_DB;
    return ConfigFactory.parseMap(
            Map.of(
                db + ".profile", profile,
                db + ".db.url", url,
                db + ".db.driver", driver,
                db + ".db.user", user,
                db + ".db.password", password,
                db + ".db.numThreads", maxConnections,
                db + ".db.maxConnections", maxConnections,
                db + ".db.minConnections", 1))
        .withFallback(config)
        .withValue("jdbc-journal.use-shared-db", ConfigValueFactory.fromAnyRef(SHARED_DB))
        .withValue("jdbc-snapshot-store.use-shared-db", ConfigValueFactory.fromAnyRef(SHARED_DB))
        .withValue("jdbc-read-journal.use-shared-db", ConfigValueFactory.fromAnyRef(SHARED_DB));
  }
}
