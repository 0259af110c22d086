package dev.enas.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** The cluster's settings: read from enas.cluster, checked, and turned into Pekko's. */
class ClusterSettingsTest {
  private static Config config(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load());
  }

  @Test
  void theDefaultIsASingleServerWhoseConfigurationIsUntouched() {
    Config config = config("");
    ClusterSettings settings = ClusterSettings.fromConfig(config.getConfig("enas"));
    assertThat(settings.enabled()).isFalse();
    assertThat(settings.applyTo(config)).isSameAs(config);
    assertThat(settings.port()).isEqualTo(25520);
  }

  @Test
  void aNodeGetsTheClusterProviderItsAddressItsSlotsAndTheSplitBrainResolver() {
    Config config =
        config(
            """
            enas.server.host = "10.0.0.7"
            enas.max-concurrent-searches = 5
            enas.cluster {
              enabled = true
              port = 25600
              seed-nodes = " pekko://enas@10.0.0.1:25520 ,pekko://enas@10.0.0.2:25520"
              journal-poll = 150ms
              heartbeat-pause = 12s
            }
            """);
    ClusterSettings settings = ClusterSettings.fromConfig(config.getConfig("enas"));
    assertThat(settings.host()).isEqualTo("10.0.0.7");
    assertThat(settings.seedNodes())
        .containsExactly("pekko://enas@10.0.0.1:25520", "pekko://enas@10.0.0.2:25520");
    Config pekko = settings.applyTo(config);
    assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.7");
    assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25600);
    assertThat(pekko.getStringList("pekko.cluster.roles")).containsExactly("enas-slots-5");
    assertThat(pekko.getString("pekko.cluster.split-brain-resolver.active-strategy"))
        .isEqualTo("keep-majority");
    assertThat(pekko.getString("pekko.cluster.downing-provider-class")).contains("SplitBrain");
    assertThat(pekko.getString("pekko.cluster.sharding.passivation.strategy")).isEqualTo("none");
    assertThat(pekko.getDuration("jdbc-read-journal.refresh-interval").toMillis()).isEqualTo(150);
    assertThat(
            pekko
                .getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause")
                .toSeconds())
        .isEqualTo(12);
  }

  @Test
  void aTrainingNodeMayBeLateLongerThanPekkosDefaultBeforeItCountsAsUnreachable() {
    ClusterSettings settings =
        ClusterSettings.fromConfig(config("enas.cluster.enabled = true").getConfig("enas"));
    assertThat(settings.heartbeatPause().toSeconds()).isEqualTo(10);
    assertThat(
            ConfigFactory.load()
                .getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause")
                .toSeconds())
        .as("Pekko's own default, which the node's setting overrides")
        .isLessThan(10);
  }

  @Test
  void aSeedThatIsNotAnAddressOfThisSystemIsRefusedNamingTheSetting() {
    Config config = config("enas.cluster.seed-nodes = \"node1:25520\"");
    assertThatThrownBy(() -> ClusterSettings.fromConfig(config.getConfig("enas")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.cluster.seed-nodes")
        .hasMessageContaining("pekko://enas@host:25520")
        .hasMessageContaining("node1:25520");
  }

  @Test
  void badPortsAndIntervalsAreRefusedNamingTheSettingAndTheRange() {
    assertThatThrownBy(
            () -> ClusterSettings.fromConfig(config("enas.cluster.port = 70000").getConfig("enas")))
        .hasMessageContaining("enas.cluster.port must be in 0..65535, was 70000");
    assertThatThrownBy(
            () ->
                ClusterSettings.fromConfig(
                    config("enas.cluster.stable-after = 0s").getConfig("enas")))
        .hasMessageContaining("enas.cluster.stable-after must be positive");
    assertThatThrownBy(
            () ->
                ClusterSettings.fromConfig(
                    config("enas.cluster.heartbeat-pause = 0s").getConfig("enas")))
        .hasMessageContaining("enas.cluster.heartbeat-pause must be positive");
  }
}
