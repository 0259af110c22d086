package dev.enas.server.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's settings, read from {@code enas.cluster}: whether this server is one node of a
 * cluster, how the other nodes reach it, which nodes it joins, and how quickly it notices a node
 * that is gone.
 *
 * @param enabled whether the server is a cluster node (otherwise a single server, as before)
 * @param host the address other nodes reach this node at
 * @param port the cluster port (Pekko Artery, TCP); 0 takes a free one
 * @param seedNodes the nodes to join, as {@code pekko://enas@host:port}; empty: bootstrap finds
 *     them ({@code enas.cluster.bootstrap}) or this node starts a cluster of its own
 * @param slots the searches this node offers to run at once ({@code max-concurrent-searches})
 * @param heartbeatPause how long a node's heartbeats may be late before the others count it as
 *     unreachable (Pekko's failure detector's acceptable pause): it must outlast the longest pause
 *     a busy training node has (a garbage collection, a starved scheduler on a loaded machine)
 * @param stableAfter how long the membership must be stable before the split-brain resolver downs
 *     the nodes on the minority side of a partition, or a crashed node
 * @param ensureInterval how often each node reminds the cluster of the unfinished searches it only
 *     replicates, so that a search whose node is gone starts elsewhere
 * @param sweepInterval how often each node reads the journal's search ids for searches it missed
 * @param journalPoll how often a node reads the journal for new entries of searches other nodes run
 *     (their live events, as watchers on this node see them)
 */
public record ClusterSettings(
    boolean enabled,
    String host,
    int port,
    List<String> seedNodes,
    int slots,
    Duration heartbeatPause,
    Duration stableAfter,
    Duration ensureInterval,
    Duration sweepInterval,
    Duration journalPoll,
    Duration askTimeout) {

  /** The actor system's name, the same on every node (it is part of every node's address). */
  public static final String SYSTEM_NAME = "enas";

  public ClusterSettings {
    seedNodes = List.copyOf(seedNodes);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("enas.cluster.port must be in 0..65535, was " + port);
    }
    for (String seed : seedNodes) {
      if (!seed.startsWith("pekko://" + SYSTEM_NAME + "@") || seed.lastIndexOf(':') < 9) {
        throw new IllegalArgumentException(
            "enas.cluster.seed-nodes must list addresses like pekko://"
                + SYSTEM_NAME
                + "@host:25520, separated by commas; '"
                + seed
                + "' is not one");
      }
    }
    requirePositive("enas.cluster.heartbeat-pause", heartbeatPause);
    requirePositive("enas.cluster.stable-after", stableAfter);
    requirePositive("enas.cluster.ensure-interval", ensureInterval);
    requirePositive("enas.cluster.sweep-interval", sweepInterval);
    requirePositive("enas.cluster.journal-poll", journalPoll);
  }

  private static void requirePositive(String setting, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive, was " + value);
    }
  }

  /** Reads {@code enas.cluster} (the host defaults to {@code enas.server.host}). */
  public static ClusterSettings fromConfig(Config enas) {
    Config c = enas.getConfig("cluster");
    String host = c.getString("host");
    List<String> seeds = new ArrayList<>();
    for (String seed : c.getString("seed-nodes").split(",")) {
      if (!seed.isBlank()) {
        seeds.add(seed.strip());
      }
    }
    return new ClusterSettings(
        c.getBoolean("enabled"),
        host.isBlank() ? enas.getString("server.host") : host,
        c.getInt("port"),
        seeds,
        enas.getInt("max-concurrent-searches"),
        c.getDuration("heartbeat-pause"),
        c.getDuration("stable-after"),
        c.getDuration("ensure-interval"),
        c.getDuration("sweep-interval"),
        c.getDuration("journal-poll"),
        enas.getDuration("ask-timeout"));
  }

  /**
   * The actor system's configuration for a cluster node: Pekko's cluster provider on {@link #host}
   * and {@link #port}, this node's search slots as its role, the split-brain resolver keeping the
   * majority, no idle passivation of search entities, and the journal's read side polled every
   * {@link #journalPoll}. {@code config} unchanged when the cluster is off.
   */
  public Config applyTo(Config config) {
    if (!enabled) {
      return config;
    }
    Map<String, Object> pekko = new LinkedHashMap<>();
    pekko.put("pekko.actor.provider", "cluster");
    pekko.put("pekko.remote.artery.canonical.hostname", host);
    pekko.put("pekko.remote.artery.canonical.port", port);
    pekko.put("pekko.cluster.roles", List.of(SearchPlacement.SLOTS_ROLE + slots));
    pekko.put(
        "pekko.cluster.downing-provider-class",
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    pekko.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    pekko.put(
        "pekko.cluster.failure-detector.acceptable-heartbeat-pause",
        heartbeatPause.toMillis() + "ms");
    pekko.put("pekko.cluster.split-brain-resolver.stable-after", stableAfter.toMillis() + "ms");
    pekko.put("pekko.cluster.sharding.passivation.strategy", "none");
    pekko.put("pekko.cluster.sharding.remember-entities", "off");
    pekko.put("jdbc-read-journal.refresh-interval", journalPoll.toMillis() + "ms");
    return ConfigFactory.parseMap(pekko, "enas.cluster").withFallback(config);
  }
}
