package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;

/**
 * {@code enas.device} is read with the server's settings, so a GPU this machine cannot give is
 * refused when the server starts (EnasServer.start reads these settings first), not later.
 */
class DeviceSettingTest {
  private static Config enas(String device) {
    return ConfigFactory.load()
        .getConfig("enas")
        .withValue("device", ConfigValueFactory.fromAnyRef(device));
  }

  @Test
  void cpuAndAutoPlaceSearchesOnThisMachinesDevices() {
    assertThat(ServerSettings.fromConfig(enas("cpu")).devices().devices())
        .containsExactly(Device.cpu());
    assertThat(ServerSettings.fromConfig(enas("auto")).devices().setting()).isEqualTo("auto");
  }

  @Test
  void aGpuOnAMachineWithoutCudaStopsTheServerNamingTheSetting() {
    assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a GPU");
    assertThatThrownBy(() -> ServerSettings.fromConfig(enas("gpu")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.device is 'gpu'")
        .hasMessageContaining("no CUDA device");
    assertThatThrownBy(() -> ServerSettings.fromConfig(enas("gpu:1")))
        .hasMessageContaining("enas.device is 'gpu:1'");
  }

  @Test
  void aMalformedDeviceIsRefusedWithTheAcceptedForms() {
    assertThatThrownBy(() -> ServerSettings.fromConfig(enas("tpu")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.device must be auto, cpu, gpu or gpu:N");
  }
}
