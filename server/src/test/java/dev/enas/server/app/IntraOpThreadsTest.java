package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.actor.ServerSettings;
import dev.enas.supernet.TorchThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The server trains at the intra-op thread count it is configured with (one by default), the count
 * a seed reproduces a search at, whatever PyTorch would pick for the machine.
 */
@Tag("slow")
class IntraOpThreadsTest {
  @org.junit.jupiter.api.io.TempDir static java.nio.file.Path dataDir;

  /** Puts back the count the test JVM runs with, for the threads other tests start later. */
  @AfterAll
  static void restore() {
    TorchThreads.use(Integer.getInteger("ai.djl.pytorch.num_threads", 1));
  }

  @Test
  void oneThreadByDefaultAndNothingBelowOne() {
    assertThat(ServerSettings.fromConfig(ConfigFactory.load().getConfig("enas")).intraOpThreads())
        .isEqualTo(1);
    assertThatThrownBy(
            () ->
                ServerSettings.fromConfig(
                    ConfigFactory.load()
                        .getConfig("enas")
                        .withValue("intra-op-threads", ConfigValueFactory.fromAnyRef(0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.intra-op-threads");
  }

  @Test
  void theDeviceThreadRunsAtTheConfiguredCount() throws Exception {
    // Two, not one: the test JVM itself runs PyTorch at one thread, so only a count that differs
    // from it shows the server applied its own.
    EnasServer server =
        LoopbackServers.start(
            LoopbackServers.config(dataDir)
                .withValue("enas.intra-op-threads", ConfigValueFactory.fromAnyRef(2)));
    try {
      ActorSystem<?> system = (ActorSystem<?>) server.manager();
      int onDevice =
          CompletableFuture.supplyAsync(
                  TorchThreads::current,
                  system
                      .dispatchers()
                      .lookup(DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER)))
              .get(1, TimeUnit.MINUTES);
      assertThat(onDevice).isEqualTo(2);
    } finally {
      server.close();
    }
  }
}
