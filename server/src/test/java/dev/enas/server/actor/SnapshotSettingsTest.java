package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The snapshot settings as configured, and bad values refused with the setting named. */
class SnapshotSettingsTest {
  private static Config enas(String key, Object value) {
    return ConfigFactory.load()
        .getConfig("enas")
        .withValue(key, ConfigValueFactory.fromAnyRef(value));
  }

  @Test
  void defaultsWriteUnderTheDataDirectoryEvery500StepsOrFiveMinutesKeepingThree() {
    SnapshotSettings s = SnapshotSettings.fromConfig(enas("data-dir", "/srv/enas"));
    assertThat(s.enabled()).isTrue();
    assertThat(s.directory()).isEqualTo(Path.of("/srv/enas/snapshots"));
    assertThat(s.of("search-7")).isEqualTo(Path.of("/srv/enas/snapshots/search-7"));
    assertThat(s.everySteps()).isEqualTo(500);
    assertThat(s.every()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.keep()).isEqualTo(3);
  }

  @Test
  void minutesMayBeFractionalAndSnapshotsCanBeTurnedOff() {
    assertThat(SnapshotSettings.fromConfig(enas("snapshots.every-minutes", 0.5)).every())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(SnapshotSettings.fromConfig(enas("snapshots.enabled", false)).enabled()).isFalse();
    assertThat(SnapshotSettings.fromConfig(enas("snapshots.directory", "/tmp/snaps")).directory())
        .isEqualTo(Path.of("/tmp/snaps"));
  }

  @Test
  void badValuesNameTheirSetting() {
    assertThatThrownBy(() -> SnapshotSettings.fromConfig(enas("snapshots.every-steps", -1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.snapshots.every-steps")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> SnapshotSettings.fromConfig(enas("snapshots.every-minutes", -2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.snapshots.every-minutes");
    assertThatThrownBy(() -> SnapshotSettings.fromConfig(enas("snapshots.keep", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.snapshots.keep")
        .hasMessageContaining("was 1");
  }
}
