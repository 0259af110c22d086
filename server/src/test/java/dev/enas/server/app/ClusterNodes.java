package dev.enas.server.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Server processes that form one cluster on loopback ports over a PostgreSQL journal, sharing a
 * model repository and a snapshot directory under one folder (as a shared volume would in
 * production): for the cluster test and the cluster benchmark. Each node's log says where each
 * search runs ("search ID is placed here") and who is Up.
 */
public final class ClusterNodes implements AutoCloseable {
  private final List<ServerProcess> nodes;

  private ClusterNodes(List<ServerProcess> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts {@code count} nodes in folders under {@code dir} (node0, node1, ...; shared/models and
   * shared/snapshots), node 0 being the seed, and waits until all are Up. {@code properties} are
   * added to every node's as key=value.
   */
  public static ClusterNodes start(
      PostgresServer postgres, Path dir, int count, String... properties) throws Exception {
    Files.createDirectories(dir);
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = freePort();
    }
    List<ServerProcess> nodes = new ArrayList<>();
    ClusterNodes cluster = new ClusterNodes(nodes);
    try {
      for (int i = 0; i < count; i++) {
        nodes.add(node(postgres, dir, i, ports, properties));
      }
      cluster.awaitUp(count);
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  private static ServerProcess node(
      PostgresServer postgres, Path dir, int index, int[] ports, String... extra)
      throws IOException, InterruptedException {
    List<String> properties = new ArrayList<>(List.of(postgres.journalProperties()));
    properties.addAll(
        List.of(
            "enas.cluster.enabled=true",
            "enas.cluster.host=127.0.0.1",
            "enas.cluster.port=" + ports[index],
            "enas.cluster.seed-nodes=pekko://enas@127.0.0.1:" + ports[0],
            "enas.serving.repository=" + dir.resolve("shared/models"),
            "enas.snapshots.directory=" + dir.resolve("shared/snapshots"),
            "logback.configurationFile=" + ClusterNodes.class.getResource("/logback-node.xml")));
    properties.addAll(List.of(extra));
    return ServerProcess.start(
        dir.resolve("node" + index),
        dir.resolve("node" + index + ".log"),
        properties.toArray(String[]::new));
  }

  public List<ServerProcess> nodes() {
    return nodes;
  }

  public ServerProcess node(int index) {
    return nodes.get(index);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Waits until the cluster's leader has moved {@code count} nodes to Up. */
  private void awaitUp(int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      int up = 0;
      for (ServerProcess node : nodes) {
        up += occurrences(Files.readString(node.log()), "] to [Up]");
      }
      if (up >= count) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the cluster did not form:\n" + Files.readString(nodes.get(0).log()));
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  /** Whether the node's log says the search was placed on it (created there, or taken over). */
  public static boolean placedOn(ServerProcess node, String id) throws IOException {
    return Files.readString(node.log()).contains("search " + id + " is placed here");
  }

  /** The first node whose log says it runs the search (waits for it up to a minute). */
  public int owner(String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < nodes.size(); i++) {
        if (placedOn(nodes.get(i), id)) {
          return i;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no node runs search " + id);
  }

  /** The node other than {@code former} whose log says it took the search; -1 if none did. */
  public int heir(String id, int former) throws IOException {
    for (int i = 0; i < nodes.size(); i++) {
      if (i != former && placedOn(nodes.get(i), id)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * What each node's log says that explains a failed test: its warnings, errors and membership
   * changes, and its last lines.
   */
  public String report() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++) {
      List<String> lines;
      try {
        lines = Files.readAllLines(nodes.get(i).log());
      } catch (IOException e) {
        out.append("node ").append(i).append(": its log cannot be read: ").append(e).append('\n');
        continue;
      }
      out.append("---- node ").append(i).append(": warnings, errors, membership ----\n");
      for (String line : lines) {
        if (line.contains(" WARN ")
            || line.contains(" ERROR ")
            || line.contains("] to [")
            || line.contains("is placed here")
            || line.contains("replica")
            || line.contains("nreachable")) {
          out.append(line).append('\n');
        }
      }
      out.append("---- node ").append(i).append(": last lines ----\n");
      for (String line : lines.subList(Math.max(0, lines.size() - 40), lines.size())) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (ServerProcess node : nodes) {
      node.close();
    }
  }
}
