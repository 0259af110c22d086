package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.enas.spec.SearchSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which device a search is placed on, decided from the setting and an injected count of GPUs, so
 * the choices for machines with one or several GPUs are pinned on a CPU-only machine.
 */
class DevicePoolTest {

  @Test
  void cpuPinsEverySearchToTheCpuWhateverGpusThereAre() {
    DevicePool pool = DevicePool.fromSetting("cpu", "enas.device", 4);
    assertThat(pool.devices()).containsExactly(Device.cpu());
    assertThat(pool.acquire()).isEqualTo(Device.cpu());
    assertThat(pool.acquire()).isEqualTo(Device.cpu());
    assertThat(pool.running(Device.cpu())).isEqualTo(2);
  }

  @Test
  void autoWithoutGpusRunsOnTheCpu() {
    DevicePool pool = DevicePool.fromSetting("auto", "enas.device", 0);
    assertThat(pool.devices()).containsExactly(Device.cpu());
  }

  @Test
  void autoPlacesEachSearchOnTheLeastLoadedGpu() {
    DevicePool pool = DevicePool.fromSetting("auto", "enas.device", 3);
    assertThat(pool.devices()).containsExactly(Device.gpu(0), Device.gpu(1), Device.gpu(2));
    List<Device> placed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      placed.add(pool.acquire());
    }
    assertThat(placed).containsExactly(Device.gpu(0), Device.gpu(1), Device.gpu(2), Device.gpu(0));
    // gpu:1 frees up: the next search goes there, not to gpu:2, which still runs one.
    pool.release(Device.gpu(1));
    assertThat(pool.acquire()).isEqualTo(Device.gpu(1));
    assertThat(pool.running(Device.gpu(0))).isEqualTo(2);
    assertThat(pool.running(Device.gpu(1))).isEqualTo(1);
    assertThat(pool.running(Device.gpu(2))).isEqualTo(1);
  }

  @Test
  void anExplicitGpuPinsEverySearchToIt() {
    assertThat(DevicePool.fromSetting("gpu", "enas.device", 2).devices())
        .containsExactly(Device.gpu(0));
    DevicePool pool = DevicePool.fromSetting("gpu:1", "enas.device", 2);
    assertThat(pool.acquire()).isEqualTo(Device.gpu(1));
    assertThat(pool.acquire()).isEqualTo(Device.gpu(1));
  }

  @Test
  void aGpuOnAMachineWithoutCudaIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> DevicePool.fromSetting("gpu", "enas.device", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.device is 'gpu'")
        .hasMessageContaining("no CUDA device");
    assertThatThrownBy(() -> DevicePool.fromSetting("gpu:3", "--device", 0))
        .hasMessageContaining("--device is 'gpu:3'");
  }

  @Test
  void aGpuIndexBeyondTheMachinesIsRefusedWithTheRange() {
    assertThatThrownBy(() -> DevicePool.fromSetting("gpu:2", "enas.device", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.device is 'gpu:2'")
        .hasMessageContaining("sees 2 GPUs: the index must be in 0..1");
  }

  @Test
  void aMalformedSettingIsRefusedWithTheAcceptedForms() {
    for (String bad : List.of("tpu", "gpu:", "gpu:-1", "GPU", "cpu:0", "")) {
      assertThatThrownBy(() -> DevicePool.fromSetting(bad, "enas.device", 1))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("enas.device must be auto, cpu, gpu or gpu:N");
    }
  }

  @Test
  void releasingADeviceNoSearchHoldsIsAnError() {
    DevicePool pool = DevicePool.fromSetting("auto", "enas.device", 2);
    assertThatThrownBy(() -> pool.release(Device.gpu(0))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pool.release(Device.cpu())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void thisEngineRefusesAGpuWhenItHasNone() {
    assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a GPU");
    assertThatThrownBy(() -> DevicePool.fromSetting("gpu", "enas.device"))
        .hasMessageContaining("enas.device is 'gpu'");
    assertThat(DevicePool.fromSetting("auto", "enas.device").devices())
        .containsExactly(Device.cpu());
  }

  @Test
  void aSearchRunPlacesItsNetworksOnThePoolsDeviceAndGivesItBackWhenClosed() throws Exception {
    SearchSpec spec = SearchSpec.smoke("macro", 1);
    SearchData data = SearchData.load(spec);
    DevicePool pool = DevicePool.cpu();
    try (SearchRun run = SearchRun.start(spec, data, System.nanoTime(), pool)) {
      assertThat(pool.running(Device.cpu())).isEqualTo(1);
      assertThat(run.device()).isEqualTo(Device.cpu());
      run.step(event -> {}, () -> {});
      assertThat(run.device()).isEqualTo(Device.cpu());
    }
    assertThat(pool.running(Device.cpu())).isZero();
  }

  /**
   * Opt-in (DESIGN.md, "Devices"): a machine with CUDA and the -Dcuda build. Tagged {@code gpu},
   * which the build excludes unless asked ({@code -Dgroups=gpu -DexcludedGroups=}).
   */
  @Test
  @Tag("gpu")
  void onAGpuMachineASearchTrainsOnTheGpu() throws Exception {
    SearchSpec spec = SearchSpec.smoke("macro", 1);
    SearchData data = SearchData.load(spec);
    DevicePool pool = DevicePool.fromSetting("gpu", "enas.device");
    try (SearchRun run = SearchRun.start(spec, data, System.nanoTime(), pool)) {
      run.step(event -> {}, () -> {});
      assertThat(run.device()).isEqualTo(Device.gpu(0));
    }
    assertThat(pool.running(Device.gpu(0))).isZero();
  }
}
