package dev.enas.server.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Networks;
import dev.enas.train.SearchData;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;

/** What the actor tests share: the server's configuration and the smoke search's data. */
final class ActorTests {
  /** The smoke spec every actor test trains with: 3 macro layers of 4 channels, batches of 16. */
  static final SearchSpec SPEC = SearchSpec.smoke("macro", 1);

  private static SearchData data;

  private ActorTests() {}

  /**
   * The server's application.conf, so the device and blocking dispatchers exist, with a minute for
   * each expectation, each stop and the shutdown: real DJL steps on a shared two-core machine can
   * take far longer than the testkit's defaults of a few seconds, and these tests assert
   * outcomes, not speed.
   */
  static Config config() {
    return ConfigFactory.parseString("""
            pekko.actor.testkit.typed {
              single-expect-default = 60s
              default-timeout = 60s
              system-shutdown-default = 60s
            }
            """)
        .withFallback(ConfigFactory.load());
  }

  /** The smoke spec's data split, loaded once per test JVM; datasets are immutable. */
  static synchronized SearchData data() {
    if (data == null) {
      try {
        data = SearchData.load(SPEC.data(), SPEC.seed());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return data;
  }

  /**
   * A weight store holding a fresh shared network of the smoke spec, on the device dispatcher as
   * the server runs it.
   */
  static ActorRef<WeightStore.Command> spawnWeightStore(ActorTestKit testKit) {
    return testKit.spawn(
        WeightStore.create(SPEC.space().toSearchSpace(), Networks.searchNetwork(SPEC, data()),
            Networks.sgd(SPEC.shared()), SPEC.seed()),
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
  }
}
