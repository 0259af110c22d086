package dev.enas.server.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.security.BindPolicy;
import dev.enas.server.security.SecuritySettings;
import dev.enas.server.security.TlsSettings;
import dev.enas.train.DevicePool;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code enas-server serve}: parses the flags, layers them over the configuration (flags, then
 * environment variables, then system properties, then {@code application.conf}), and runs the
 * server until it is stopped.
 */
@Command(
    name = "enas-server",
    mixinStandardHelpOptions = true,
    subcommands = {Main.Serve.class, ExportSamples.class, TokenCommand.class},
    description = "The enas search server.")
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Serves the search API and the models until interrupted. */
  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = "Serve the search API and the model repository over gRPC.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--port", description = "Port to listen on (default: enas.server.port, 8980).")
    Integer port;

    @Option(
        names = "--http-port",
        description =
            "HTTP port for the dashboard, the JSON API and"
                + " /metrics (default: enas.http.port, 8981; 0 takes a free port).")
    Integer httpPort;

    @Option(
        names = "--host",
        description =
            "Address to listen on (default 127.0.0.1); any"
                + " other needs TLS and tokens, or --insecure.")
    String host;

    @Option(names = "--data-dir", description = "Folder for the server's files.")
    String dataDir;

    @Option(names = "--device", description = "auto, cpu or gpu[:N].")
    String device;

    @Option(names = "--max-concurrent-searches", description = "Searches that may run at once.")
    Integer maxConcurrent;

    @Option(
        names = "--model-repository",
        description = "Folder of the served ONNX models (default: <data-dir>/models).")
    String modelRepository;

    @Option(names = "--config", description = "A HOCON file read over the defaults.")
    File configFile;

    @Option(
        names = "--tokens",
        description =
            "Token file (default: <data-dir>/security/tokens;"
                + " tokens are on when it exists). Make one with `enas-server token add`.")
    String tokensFile;

    @Option(
        names = "--insecure",
        description =
            "Allow listening on a non-loopback address"
                + " without TLS and tokens (logs a warning).")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
      Config config = ConfigFactory.load();
      if (configFile != null) {
        config = ConfigFactory.parseFile(configFile).withFallback(config).resolve();
      }
      config = override(config, "enas.server.port", port);
      config = override(config, "enas.server.host", host);
      config = override(config, "enas.http.port", httpPort);
      config = override(config, "enas.data-dir", dataDir);
      config = override(config, "enas.device", device);
      config = override(config, "enas.max-concurrent-searches", maxConcurrent);
      config = override(config, "enas.serving.repository", modelRepository);
      config = override(config, "enas.security.tokens-file", tokensFile);
      try {
        // Refuses a GPU this engine cannot use now, not when the first search would train.
        DevicePool.fromSetting(config.getString("enas.device"), "--device (enas.device)");
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      int listenPort = config.getInt("enas.server.port");
      if (listenPort < 0 || listenPort > 65535) {
        System.err.println("--port must be in 0..65535, was " + listenPort);
        return 2;
      }
      int dashboardPort = config.getInt("enas.http.port");
      if (dashboardPort < 0 || dashboardPort > 65535) {
        System.err.println("--http-port must be in 0..65535, was " + dashboardPort);
        return 2;
      }
      String host = config.getString("enas.server.host");
      boolean tokens = SecuritySettings.fromConfig(config.getConfig("enas")).tokensOn();
      TlsSettings tls = TlsSettings.fromConfig(config.getConfig("enas"));
      BindPolicy.Decision bind = BindPolicy.check(host, tokens, tls.enabled(), insecure);
      if (!bind.allowed()) {
        System.err.println(bind.message());
        return 2;
      }
      if (bind.message() != null) {
        LoggerFactory.getLogger(Main.class).warn(bind.message());
      }
      InetSocketAddress address = new InetSocketAddress(host, listenPort);
      // The credentials' reload thread lives as long as the server and stops after it.
      TlsCredentials credentials = tls.enabled() ? TlsCredentials.load(tls) : null;
      EnasServer server =
          EnasServer.start(
              config,
              credentials != null
                  ? NettyServerBuilder.forAddress(address, credentials.credentials())
                  : NettyServerBuilder.forAddress(address));
      // The dashboard's line first: scripts wait for the listening line, then find both.
      String httpHost = config.getString("enas.http.host");
      System.err.printf(
          "enas dashboard on http://%s:%d/%n",
          httpHost.isBlank() ? address.getHostString() : httpHost, server.httpPort());
      System.err.printf("enas server listening on %s:%d%n", address.getHostString(), server.port());
      // SIGTERM and Ctrl-C stop the server in order and exit 0; any other exit of the JVM still
      // closes it through the hook (closing twice is a no-op).
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "enas-shutdown"));
      CountDownLatch stop = new CountDownLatch(1);
      for (String name : new String[] {"TERM", "INT"}) {
        Signal.handle(new Signal(name), signal -> stop.countDown());
      }
      stop.await();
      Duration grace = config.getDuration("enas.shutdown-grace");
      System.err.printf(
          "enas server stopping: no new work; running searches snapshot and"
              + " continue on the next start (within %s)%n",
          grace);
      Thread watchdog =
          new Thread(
              () -> {
                try {
                  Thread.sleep(grace.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
                // The journal and the snapshots are crash-safe: past the grace, exiting loses only
                // the steps since the last snapshot, which the next start computes again.
                System.err.printf(
                    "enas server did not stop within enas.shutdown-grace (%s); exiting%n", grace);
                Runtime.getRuntime().halt(0);
              },
              "enas-shutdown-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      server.close();
      if (credentials != null) {
        credentials.close();
      }
      System.err.println("enas server stopped");
      return 0;
    }

    private static Config override(Config config, String path, Object value) {
      return value == null ? config : config.withValue(path, ConfigValueFactory.fromAnyRef(value));
    }
  }
}
