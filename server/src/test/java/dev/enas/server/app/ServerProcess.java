package dev.enas.server.app;

import dev.enas.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server as a separate process on a data directory, as in production, and a channel to it: what
 * the kill and SIGTERM tests stop from outside.
 */
public record ServerProcess(Process process, ManagedChannel channel, Path log)
    implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");

  /**
   * Starts {@code enas-server serve} on {@code dataDir}, its output in {@code log}, with {@code
   * properties} as -D flags; waits until it listens (a few minutes at most on a loaded machine).
   */
  public static ServerProcess start(Path dataDir, Path log, String... properties)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true"));
    for (String p : properties) {
      command.add("-D" + p);
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "serve",
            "--port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            dataDir.toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    // The allocator settings of server/enas-server.
    builder.environment().put("MALLOC_MMAP_THRESHOLD_", "33554432");
    builder.environment().put("MALLOC_TRIM_THRESHOLD_", "17179869184");
    builder.environment().put("MALLOC_TOP_PAD_", "268435456");
    return launch(builder, log);
  }

  /**
   * Starts the server {@code builder} describes (any command that runs {@code serve} with {@code
   * --port 0}), its output in {@code log}, and waits until it listens.
   */
  public static ServerProcess launch(ProcessBuilder builder, Path log)
      throws IOException, InterruptedException {
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        ManagedChannel channel =
            ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(m.group(1)))
                .usePlaintext()
                .build();
        return new ServerProcess(process, channel, log);
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    process.destroyForcibly().waitFor();
    throw new IllegalStateException("the server did not start:\n" + Files.readString(log));
  }

  /**
   * Waits until the server's output holds {@code line} (a few minutes at most on a loaded machine).
   *
   * @throws IllegalStateException with the output if the server ended or the time ran out first
   */
  public void awaitLine(String line) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains(line)) {
        return;
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the server did not print \"" + line + "\":\n" + Files.readString(log));
  }

  public SearchServiceGrpc.SearchServiceBlockingStub stub() {
    return SearchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
  }

  /** SIGKILL on Linux: no shutdown hook runs, nothing is flushed. */
  public void kill() throws InterruptedException {
    channel.shutdownNow();
    process.destroyForcibly().waitFor();
  }

  /**
   * SIGTERM on Linux; answers the exit code, or -1 if the process is still running. The channel
   * stays open, so calls under way end as the server ends them.
   */
  public int terminate(long timeout, TimeUnit unit) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout, unit)) {
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    process.destroy();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
    }
  }
}
