package dev.enas.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.GetCurrentState;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.junit.jupiter.api.Test;

/**
 * Cluster Bootstrap on a real actor system: with static discovery pointing at the node's own
 * management endpoint and one required contact point, the node finds itself, learns that no cluster
 * exists, and forms one in which it is Up. Everything stays on loopback and free ports.
 */
class ClusterBootstrapTest {

  /**
   * enas-bootstrap.conf under {@code overrides}, over Pekko's defaults, without the environment.
   */
  private static Config config(String overrides) {
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseResources("enas-bootstrap.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve(ConfigResolveOptions.noSystem());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aNodeWithBootstrapOnFormsAClusterOfOneThroughItsOwnManagementEndpoint() throws Exception {
    int management = freePort();
    Config config =
        config(
            """
            enas.cluster.bootstrap = on
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
            pekko.management.http { hostname = "127.0.0.1", port = %d }
            pekko.management.cluster.bootstrap.contact-point-discovery {
              discovery-method = config
              required-contact-point-nr = 1
              stable-margin = 1s
            }
            pekko.discovery.config.services.enas.endpoints = [
              { host = "127.0.0.1", port = %d }
            ]
            """
                .formatted(management, management));
    ActorTestKit kit = ActorTestKit.create("enas", config);
    try {
      TestProbe<SelfUp> up = kit.createTestProbe(SelfUp.class);
      Cluster cluster = Cluster.get(kit.system());
      cluster.subscriptions().tell(Subscribe.create(up.ref(), SelfUp.class));
      assertThat(cluster.selfMember().status()).isEqualTo(MemberStatus.removed());

      assertThat(ClusterBootstrap.startIfEnabled(kit.system())).isTrue();

      // Bootstrap's discovery, probing and join decision take a few seconds; the bound is generous
      // for a loaded machine and is no claim about speed.
      up.expectMessageClass(SelfUp.class, Duration.ofSeconds(90));
      // The cluster now: this node alone, Up.
      TestProbe<ClusterEvent.CurrentClusterState> state =
          kit.createTestProbe(ClusterEvent.CurrentClusterState.class);
      cluster.subscriptions().tell(new GetCurrentState(state.ref()));
      List<Member> members = new ArrayList<>();
      state.receiveMessage().getMembers().forEach(members::add);
      assertThat(members)
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.address()).isEqualTo(cluster.selfMember().address());
                assertThat(m.status()).isEqualTo(MemberStatus.up());
              });

      // The management endpoint answers what a joining node asks: this node's cluster.
      HttpResponse<String> seeds =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + management + "/bootstrap/seed-nodes"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(seeds.statusCode()).isEqualTo(200);
      assertThat(seeds.body()).contains("pekko://enas@127.0.0.1:");
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void bootstrapIsOffByDefaultAndThenStartsNothing() {
    ActorTestKit kit = ActorTestKit.create("enas", config(""));
    try {
      assertThat(ClusterBootstrap.Settings.fromConfig(kit.system().settings().config()).enabled())
          .isFalse();
      assertThat(ClusterBootstrap.startIfEnabled(kit.system())).isFalse();
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void theDefaultsAreTheDeploymentsPortAndThreeNodes() {
    ClusterBootstrap.Settings s = ClusterBootstrap.Settings.fromConfig(config(""));
    assertThat(s.managementPort()).isEqualTo(8558);
    assertThat(s.requiredContactPoints()).isEqualTo(3);
  }

  @Test
  void bootstrapWithoutAClusterProviderIsRefusedNamingTheSettings() {
    assertThatThrownBy(
            () ->
                ClusterBootstrap.Settings.fromConfig(
                    config("enas.cluster.bootstrap = on\npekko.actor.provider = local")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.cluster.bootstrap (ENAS_CLUSTER_BOOTSTRAP)")
        .hasMessageContaining("'local'")
        .hasMessageContaining("enas.cluster.enabled (ENAS_CLUSTER_ENABLED)");
  }

  @Test
  void bootstrapWithSeedNodesTooIsRefused() {
    assertThatThrownBy(
            () ->
                ClusterBootstrap.Settings.fromConfig(
                    config(
                        """
                        enas.cluster.bootstrap = on
                        pekko.actor.provider = cluster
                        enas.cluster.seed-nodes = "pekko://enas@a:25520, pekko://enas@b:25520"
                        """)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enas.cluster.seed-nodes (ENAS_CLUSTER_SEED_NODES)")
        .hasMessageContaining("[pekko://enas@a:25520, pekko://enas@b:25520]");
    // Empty seed nodes, as a list or as text, are no seed nodes.
    for (String empty : new String[] {"[]", "\"\"", "\" , \""}) {
      assertThat(
              ClusterBootstrap.Settings.fromConfig(
                      config(
                          "enas.cluster.bootstrap = on\npekko.actor.provider = cluster\n"
                              + "enas.cluster.seed-nodes = "
                              + empty))
                  .enabled())
          .as(empty)
          .isTrue();
    }
  }

  @Test
  void aManagementPortOutsideTheTcpRangeIsRefusedWithTheRange() {
    for (int port : new int[] {0, -1, 65536}) {
      assertThatThrownBy(
              () ->
                  ClusterBootstrap.Settings.fromConfig(
                      config(
                          "enas.cluster.bootstrap = on\npekko.actor.provider = cluster\n"
                              + "pekko.management.http.port = "
                              + port)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pekko.management.http.port (ENAS_MANAGEMENT_PORT) is " + port)
          .hasMessageContaining("1 to 65535");
    }
  }

  @Test
  void noRequiredContactPointIsRefused() {
    assertThatThrownBy(
            () ->
                ClusterBootstrap.Settings.fromConfig(
                    config(
                        "enas.cluster.bootstrap = on\npekko.actor.provider = cluster\n"
                            + "pekko.management.cluster.bootstrap.contact-point-discovery"
                            + ".required-contact-point-nr = 0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ENAS_CLUSTER_REQUIRED_CONTACT_POINTS")
        .hasMessageContaining("1 or more");
  }

  @Test
  void aTakenManagementPortFailsTheStartNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      ActorTestKit kit =
          ActorTestKit.create(
              "enas",
              config(
                  """
                  enas.cluster.bootstrap = on
                  pekko.actor.provider = cluster
                  pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
                  pekko.management.http { hostname = "127.0.0.1", port = %d }
                  """
                      .formatted(port)));
      try {
        assertThatThrownBy(() -> ClusterBootstrap.startIfEnabled(kit.system()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("127.0.0.1:" + port)
            .hasMessageContaining("ENAS_MANAGEMENT_PORT");
      } finally {
        kit.shutdownTestKit();
      }
    }
  }
}
