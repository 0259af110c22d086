package dev.enas.server.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Forms the cluster of a deployment without a list of seed nodes: with {@code
 * enas.cluster.bootstrap} on, the node starts Pekko Management (an HTTP endpoint, port 8558 by
 * default) and Cluster Bootstrap, which finds the other nodes by service discovery (the Kubernetes
 * API in deploy/k8s), asks them whether a cluster exists, and joins it or, among the first nodes,
 * forms it. The settings are in enas-bootstrap.conf.
 */
public final class ClusterBootstrap {
  /** How long the management endpoint may take to bind before the start fails. */
  static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);

  private ClusterBootstrap() {}

  /**
   * What a node needs to bootstrap, read from the whole configuration and checked before anything
   * starts.
   *
   * @param enabled {@code enas.cluster.bootstrap}
   * @param managementHost the address other nodes reach the management endpoint at ({@code
   *     pekko.management.http.hostname}; "&lt;hostname&gt;" is the machine's address)
   * @param managementPort {@code pekko.management.http.port}
   * @param requiredContactPoints how many nodes discovery must see before the first cluster forms
   */
  public record Settings(
      boolean enabled, String managementHost, int managementPort, int requiredContactPoints) {

    /**
     * The settings of {@code root} (the whole configuration, with enas-bootstrap.conf in it).
     * Bootstrap is off when {@code enas.cluster.bootstrap} is absent. When it is on, the actor
     * system must be a cluster and must not also have seed nodes, the management port must be a TCP
     * port and at least one contact point must be required; anything else is an {@link
     * IllegalArgumentException} naming the setting, its environment variable and what it accepts.
     */
    public static Settings fromConfig(Config root) {
      boolean enabled =
          root.hasPath("enas.cluster.bootstrap") && root.getBoolean("enas.cluster.bootstrap");
      String host = root.getString("pekko.management.http.hostname");
      int port = root.getInt("pekko.management.http.port");
      int required =
          root.getInt(
              "pekko.management.cluster.bootstrap.contact-point-discovery"
                  + ".required-contact-point-nr");
      if (!enabled) {
        return new Settings(false, host, port, required);
      }
      String provider = root.getString("pekko.actor.provider");
      if (!provider.equals("cluster")
          && !provider.equals("org.apache.pekko.cluster.ClusterActorRefProvider")) {
        throw new IllegalArgumentException(
            "enas.cluster.bootstrap (ENAS_CLUSTER_BOOTSTRAP) is on but pekko.actor.provider is '"
                + provider
                + "': bootstrap forms a cluster, so set enas.cluster.enabled"
                + " (ENAS_CLUSTER_ENABLED) to true");
      }
      List<String> seeds =
          root.hasPath("enas.cluster.seed-nodes")
              ? seedNodes(root.getValue("enas.cluster.seed-nodes").unwrapped())
              : List.of();
      if (!seeds.isEmpty()) {
        throw new IllegalArgumentException(
            "enas.cluster.bootstrap (ENAS_CLUSTER_BOOTSTRAP) is on and enas.cluster.seed-nodes"
                + " (ENAS_CLUSTER_SEED_NODES) is "
                + seeds
                + ": use one of the two ways to find the other nodes, so leave the seed nodes"
                + " empty with bootstrap");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "pekko.management.http.port (ENAS_MANAGEMENT_PORT) is "
                + port
                + "; accepted: 1 to 65535 (other nodes contact this port, so it cannot be chosen"
                + " at random)");
      }
      if (required < 1) {
        throw new IllegalArgumentException(
            "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"
                + " (ENAS_CLUSTER_REQUIRED_CONTACT_POINTS) is "
                + required
                + "; accepted: 1 or more (the number of nodes that form the first cluster)");
      }
      return new Settings(true, host, port, required);
    }

    /** The seed nodes as the lead's setting may hold them: a list, or one comma-separated text. */
    private static List<String> seedNodes(Object value) {
      if (value instanceof List<?> list) {
        return list.stream().map(String::valueOf).filter(s -> !s.isBlank()).toList();
      }
      return List.of(String.valueOf(value).split(",")).stream()
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .toList();
    }
  }

  /**
   * Starts Pekko Management and Cluster Bootstrap on {@code system} when {@code
   * enas.cluster.bootstrap} is on in the system's configuration, and waits until the management
   * endpoint is bound. Call once, after the actor system is made and before the node serves.
   *
   * @return whether bootstrap was started
   * @throws IllegalArgumentException when the settings do not fit together (see {@link
   *     Settings#fromConfig})
   * @throws IllegalStateException when the management endpoint cannot bind (the port is taken)
   */
  public static boolean startIfEnabled(ActorSystem<?> system) {
    Settings settings = Settings.fromConfig(system.settings().config());
    if (!settings.enabled()) {
      return false;
    }
    try {
      PekkoManagement.get(system)
          .start()
          .toCompletableFuture()
          .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException | TimeoutException e) {
      throw new IllegalStateException(
          "Pekko Management could not listen on "
              + settings.managementHost()
              + ":"
              + settings.managementPort()
              + " (pekko.management.http.port, ENAS_MANAGEMENT_PORT): "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while Pekko Management was starting", e);
    }
    org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap.get(system).start();
    return true;
  }
}
