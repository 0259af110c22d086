package dev.enas.server.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** What the actor tests share: the server's configuration. */
final class ActorTests {
  private ActorTests() {}

  /**
   * The server's application.conf, so the device and blocking dispatchers exist, with a minute for
   * each expectation, each stop and the shutdown: real DJL steps on a shared two-core machine can
   * take far longer than the testkit's defaults of a few seconds, and these tests assert outcomes,
   * not speed.
   */
  static Config config() {
    return ConfigFactory.parseString(
            """
            pekko.actor.testkit.typed {
              single-expect-default = 60s
              default-timeout = 60s
              system-shutdown-default = 60s
            }
            """)
        .withFallback(ConfigFactory.load());
  }
}
