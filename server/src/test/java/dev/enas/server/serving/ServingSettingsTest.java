package dev.enas.server.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;

/** The serving section as the server reads it: defaults, sizes in HOCON's units, and bad values. */
class ServingSettingsTest {
  private static Config enas(String key, Object value) {
    return ConfigFactory.load()
        .getConfig("enas")
        .withValue("serving." + key, ConfigValueFactory.fromAnyRef(value));
  }

  @Test
  void theDefaultInlineLimitIsOneSmallImage() {
    ServingSettings settings = ServingSettings.fromConfig(ConfigFactory.load().getConfig("enas"));

    assertThat(settings.inlineMaxBytes()).isEqualTo(ServingSettings.DEFAULT_INLINE_MAX_BYTES);
    assertThat(settings.threads()).isEqualTo(2);
  }

  @Test
  void theInlineLimitTakesSizesWithUnitsAndZero() {
    assertThat(ServingSettings.fromConfig(enas("inline-max-bytes", "16KiB")).inlineMaxBytes())
        .isEqualTo(16 * 1024);
    assertThat(ServingSettings.fromConfig(enas("inline-max-bytes", 0)).inlineMaxBytes()).isZero();
  }

  @Test
  void anInlineLimitOutOfRangeNamesTheKeyAndTheRange() {
    assertThatThrownBy(() -> ServingSettings.fromConfig(enas("inline-max-bytes", "1GiB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("enas.serving.inline-max-bytes must be in 0..67108864, was 1073741824");
  }

  @Test
  void otherBoundsNameTheirKeys() {
    assertThatThrownBy(() -> ServingSettings.fromConfig(enas("threads", 0)))
        .hasMessageContaining("enas.serving.threads must be in 1..1024, was 0");
    assertThatThrownBy(() -> ServingSettings.fromConfig(enas("queue", -1)))
        .hasMessageContaining("enas.serving.queue must be in 0..1000000, was -1");
    assertThatThrownBy(() -> ServingSettings.fromConfig(enas("device", "tpu")))
        .hasMessageContaining("enas.serving.device must be auto, cpu, gpu or gpu:N, was 'tpu'");
  }
}
