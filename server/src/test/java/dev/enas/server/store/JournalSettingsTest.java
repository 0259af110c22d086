package dev.enas.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the journal lives, from the configuration alone. */
class JournalSettingsTest {
  private static Config enas(String dataDir) {
    return ConfigFactory.load()
        .getConfig("enas")
        .withValue("data-dir", ConfigValueFactory.fromAnyRef(dataDir));
  }

  @Test
  void byDefaultTheJournalIsAnH2FileUnderTheDataDirectory() {
    JournalSettings settings = JournalSettings.fromConfig(enas("/srv/enas"));

    assertThat(settings.url())
        .isEqualTo(
            "jdbc:h2:file:/srv/enas/journal/enas;DATABASE_TO_UPPER=false;WRITE_DELAY=0;"
                + "MAX_LENGTH_INPLACE_LOB=4096");
    assertThat(settings.file()).isEqualTo(Path.of("/srv/enas/journal/enas.mv.db"));
    assertThat(settings.describe()).contains("/srv/enas/journal/enas.mv.db");
    assertThat(settings.setting()).contains("enas.data-dir", "enas.journal.url");
  }

  @Test
  void anotherDatabaseIsNamedByItsUrl() {
    Config enas =
        enas("/srv/enas")
            .withValue("journal.url", ConfigValueFactory.fromAnyRef("jdbc:postgresql://db/enas"))
            .withValue("journal.driver", ConfigValueFactory.fromAnyRef("org.postgresql.Driver"))
            .withValue(
                "journal.profile", ConfigValueFactory.fromAnyRef("slick.jdbc.PostgresProfile$"));
    JournalSettings settings = JournalSettings.fromConfig(enas);

    assertThat(settings.file()).isNull();
    assertThat(settings.describe()).contains("jdbc:postgresql://db/enas");
    assertThat(settings.setting()).isEqualTo("enas.journal.url");
    Config pekko = settings.applyTo(ConfigFactory.load());
    assertThat(pekko.getString("pekko-persistence-jdbc.shared-databases.enas.db.url"))
        .isEqualTo("jdbc:postgresql://db/enas");
    assertThat(pekko.getString("pekko-persistence-jdbc.shared-databases.enas.profile"))
        .isEqualTo("slick.jdbc.PostgresProfile$");
    assertThat(pekko.getString("jdbc-journal.use-shared-db")).isEqualTo("enas");
    assertThat(pekko.getString("jdbc-read-journal.use-shared-db")).isEqualTo("enas");
  }

  @Test
  void anH2FileUrlNamesItsFile() {
    Config enas =
        enas("/srv/enas")
            .withValue(
                "journal.url",
                ConfigValueFactory.fromAnyRef("jdbc:h2:file:/data/j;DATABASE_TO_UPPER=false"));
    assertThat(JournalSettings.fromConfig(enas).file()).isEqualTo(Path.of("/data/j.mv.db"));
  }

  @Test
  void aConnectionCountOutOfRangeIsNamed() {
    Config enas =
        enas("/srv/enas").withValue("journal.max-connections", ConfigValueFactory.fromAnyRef(0));
    assertThatThrownBy(() -> JournalSettings.fromConfig(enas))
        .hasMessageContaining("enas.journal.max-connections");
  }
}
