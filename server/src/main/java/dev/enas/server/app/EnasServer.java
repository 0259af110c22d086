package dev.enas.server.app;

import com.typesafe.config.Config;
import dev.enas.server.actor.ActorSearchBackend;
import dev.enas.server.actor.SearchManager;
import dev.enas.server.actor.ServerSettings;
import dev.enas.server.api.GrpcServer;
import dev.enas.server.api.GrpcSettings;
import io.grpc.ServerBuilder;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running enas server: the actor system with its {@link SearchManager}, and the gRPC server in
 * front of it. {@link #close()} shuts down in order: stop accepting RPCs and drain them, stop the
 * actor system (which stops every search and frees its native memory), stop the helper threads.
 */
public final class EnasServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EnasServer.class);

  private final ActorSystem<SearchManager.Command> system;
  private final GrpcServer grpc;
  private final ExecutorService blocking;

  private EnasServer(
      ActorSystem<SearchManager.Command> system, GrpcServer grpc, ExecutorService blocking) {
    this.system = system;
    this.grpc = grpc;
    this.blocking = blocking;
  }

  /**
   * Starts the actors and serves the API on {@code builder} (a Netty builder for a port, an
   * in-process one in tests).
   *
   * @param config the whole configuration; its {@code enas} section is read
   */
  public static EnasServer start(Config config, ServerBuilder<?> builder) throws IOException {
    Config enas = config.getConfig("enas");
    ServerSettings settings = ServerSettings.fromConfig(enas);
    GrpcSettings grpcSettings = new GrpcSettings(enas.getInt("grpc.handler-threads"),
        enas.getInt("grpc.delivery-threads"), enas.getInt("grpc.watch-buffer"),
        enas.getDuration("grpc.shutdown-grace"));
    ExecutorService blocking = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "enas-load");
      t.setDaemon(true);
      return t;
    });
    ActorSystem<SearchManager.Command> system =
        ActorSystem.create(guardian(settings, blocking), "enas", config);
    try {
      GrpcServer grpc = GrpcServer.start(builder,
          new ActorSearchBackend(system, system, settings.askTimeout()), grpcSettings);
      return new EnasServer(system, grpc, blocking);
    } catch (IOException | RuntimeException e) {
      system.terminate();
      blocking.shutdownNow();
      throw e;
    }
  }

  /** The guardian is the search manager itself: one subsystem, nothing else to wire yet. */
  private static Behavior<SearchManager.Command> guardian(
      ServerSettings settings, ExecutorService blocking) {
    return Behaviors.setup(context -> SearchManager.create(settings, blocking));
  }

  /** The port the API listens on (-1 in process). */
  public int port() {
    return grpc.port();
  }

  /** The actor system's root, the search manager. */
  public ActorRef<SearchManager.Command> manager() {
    return system;
  }

  /** Waits until the server is shut down. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  @Override
  public void close() {
    grpc.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not stop within 30 s", e);
    }
    blocking.shutdownNow();
  }
}
