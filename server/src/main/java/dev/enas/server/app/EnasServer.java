package dev.enas.server.app;

import com.typesafe.config.Config;
import dev.enas.server.actor.ActorSearchBackend;
import dev.enas.server.actor.HaltPoint;
import dev.enas.server.actor.SearchManager;
import dev.enas.server.actor.ServerSettings;
import dev.enas.server.actor.SnapshotSettings;
import dev.enas.server.api.AuthInterceptor;
import dev.enas.server.api.DashboardControl;
import dev.enas.server.api.GrpcServer;
import dev.enas.server.api.GrpcSettings;
import dev.enas.server.api.InferenceServiceImpl;
import dev.enas.server.api.ModelInferTimer;
import dev.enas.server.cluster.ClusterBootstrap;
import dev.enas.server.cluster.ClusterNode;
import dev.enas.server.cluster.ClusterSettings;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.http.HttpServer;
import dev.enas.server.http.HttpSettings;
import dev.enas.server.metrics.ServerMetrics;
import dev.enas.server.security.ResourceLimits;
import dev.enas.server.security.SearchAdmission;
import dev.enas.server.security.SearchOwners;
import dev.enas.server.security.SecuritySettings;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.serving.ServingSettings;
import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalSettings;
import dev.enas.supernet.TorchThreads;
import io.grpc.ServerBuilder;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running enas server: the actor system with its {@link SearchManager}, the model repository that
 * serves exported networks, and the gRPC server in front of both (the search API and the Open
 * Inference Protocol on one port), with an HTTP port beside it for the dashboard, the JSON API,
 * event streams and Prometheus metrics. {@link #close()} shuts down in order: end the HTTP event
 * streams with their resume points and unbind HTTP, report not ready, stop accepting RPCs and drain
 * them, stop the inference threads, stop the actor system (which stops every search and frees its
 * native memory), close the model sessions, stop the helper threads.
 */
public final class EnasServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EnasServer.class);

  private static final String VERSION_RESOURCE = "/enas-version.properties";

  private final ActorSystem<SearchManager.Command> system;
  private final GrpcServer grpc;
  private final ExecutorService blocking;
  private final ModelRepository models;
  private final InferenceServiceImpl inference;
  private final HttpServer http;
  private final ServerMetrics metrics;
  private final Duration drainTimeout;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private EnasServer(
      ActorSystem<SearchManager.Command> system,
      GrpcServer grpc,
      ExecutorService blocking,
      ModelRepository models,
      InferenceServiceImpl inference,
      HttpServer http,
      ServerMetrics metrics,
      Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
    this.system = system;
    this.grpc = grpc;
    this.blocking = blocking;
    this.models = models;
    this.inference = inference;
    this.http = http;
    this.metrics = metrics;
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
    SnapshotSettings snapshots = SnapshotSettings.fromConfig(enas);
    Duration drainTimeout = drainTimeout(enas);
    // A mistyped kill-test point fails the start instead of a test waiting for a halt that never
    // comes.
    HaltPoint.configured();
    // Before any search touches PyTorch: every device thread takes the count at its first
    // operation, and a seed repeats a search only at the same count.
    TorchThreads.use(settings.intraOpThreads());
    ServingSettings serving = ServingSettings.fromConfig(enas);
    GrpcSettings grpcSettings =
        new GrpcSettings(
            enas.getInt("grpc.handler-threads"),
            enas.getInt("grpc.delivery-threads"),
            enas.getInt("grpc.watch-buffer"),
            enas.getDuration("grpc.shutdown-grace"));
    ExecutorService blocking =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "enas-load");
              t.setDaemon(true);
              return t;
            });
    ModelRepository models;
    try {
      models = ModelRepository.open(serving);
    } catch (IOException | RuntimeException e) {
      blocking.shutdownNow();
      throw e;
    }
    InferenceServiceImpl inference =
        new InferenceServiceImpl(
            models, serving.threads(), serving.queue(), serving.inlineMaxBytes(), version());
    JournalSettings journalSettings = JournalSettings.fromConfig(enas);
    ClusterSettings clusterSettings = ClusterSettings.fromConfig(enas);
    if (clusterSettings.enabled() && enas.getString("journal.url").isBlank()) {
      throw new IllegalArgumentException(
          "enas.cluster.enabled needs a journal every node shares: set enas.journal.url "
              + "(ENAS_JOURNAL_URL) to a PostgreSQL database, not the embedded default");
    }
    ClusterNode node = clusterSettings.enabled() ? new ClusterNode(clusterSettings) : null;
    HttpSettings httpSettings = HttpSettings.fromConfig(enas);
    Duration metricsPoll = enas.getDuration("metrics.poll-interval");
    ActorSystem<SearchManager.Command> system;
    try {
      // A journal that does not open fails the start here, naming its file and setting, before
      // anything could make it look like a server without searches.
      Journal.check(journalSettings);
      system =
          ActorSystem.create(
              guardian(settings, snapshots, blocking, models, journalSettings, node),
              ClusterSettings.SYSTEM_NAME,
              clusterSettings.applyTo(journalSettings.applyTo(config)));
    } catch (IOException | RuntimeException e) {
      inference.close();
      models.close();
      blocking.shutdownNow();
      throw e;
    }
    ServerMetrics metrics = new ServerMetrics();
    HttpServer http = null;
    try {
      recover(system, journalSettings);
      SearchBackend backend =
          new ActorSearchBackend(system, system, settings.askTimeout(), models, blocking);
      // With enas.cluster.bootstrap the node finds the others through Pekko Management (and
      // joins them itself); otherwise it joins the seed nodes.
      boolean bootstrapped = ClusterBootstrap.startIfEnabled(system);
      if (node != null) {
        node.start(system, Journal.of(journalSettings, system), !bootstrapped);
        backend = node.backend(backend, system);
      }
      // HTTP first: every gRPC response names its port (enas dashboard reads it).
      SecuritySettings security = SecuritySettings.fromConfig(enas);
      // The dashboard's buttons answer through the gRPC service, which starts after HTTP.
      AtomicReference<GrpcServer> started = new AtomicReference<>();
      http =
          HttpServer.start(
              system,
              httpSettings,
              backend,
              inference.access(),
              new DashboardControl(
                  () -> started.get() == null ? null : started.get().searchService(),
                  security.tokenStore() != null),
              metrics::scrape,
              security.tokenStore());
      builder.intercept(new DashboardHeader(http.port()));
      builder.intercept(new ModelInferTimer(metrics::recordInfer));
      builder.intercept(new MetricCollectingServerInterceptor(metrics.registry()));
      builder.intercept(new AuthInterceptor(security.tokenStore(), security.openReflection()));
      SearchAdmission admission =
          new SearchAdmission(
              settings.dataRoots(),
              ResourceLimits.fromConfig(enas),
              SearchOwners.open(security.ownersFile()),
              name ->
                  models.model(name).isPresent()
                      || java.nio.file.Files.exists(models.root().resolve(name)));
      GrpcServer grpc =
          GrpcServer.start(
              builder, backend, grpcSettings.withAdmission(admission), List.of(inference));
      started.set(grpc);
      metrics.watchers("grpc", grpc.searchService()::openWatches);
      metrics.watchers("sse", http::openStreams);
      metrics.servingSessions(models::openSessions);
      metrics.inferenceRequests(
          inference::inferencesOnTransportThread, inference::inferencesOnPool);
      metrics.follow(backend, metricsPoll);
      EnasServer server =
          new EnasServer(system, grpc, blocking, models, inference, http, metrics, drainTimeout);
      if (node != null) {
        server.exitWhenDowned();
      }
      return server;
    } catch (IOException | RuntimeException e) {
      if (http != null) {
        http.close();
      }
      metrics.close();
      system.terminate();
      inference.close();
      models.close();
      blocking.shutdownNow();
      throw e;
    }
  }

  /**
   * Makes the journal's tables and reads every search back into the manager; the API starts only
   * after this, so no client sees a server whose searches are still missing.
   */
  private static void recover(
      ActorSystem<SearchManager.Command> system, JournalSettings journalSettings)
      throws IOException {
    Journal.of(journalSettings, system).createTables();
    SearchManager.Reply<Integer> reply;
    try {
      reply =
          AskPattern.<SearchManager.Command, SearchManager.Reply<Integer>>ask(
                  system,
                  SearchManager.Recover::new,
                  journalSettings.recoveryTimeout(),
                  system.scheduler())
              .toCompletableFuture()
              .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading " + journalSettings.describe(), e);
    } catch (ExecutionException e) {
      throw new IOException(
          "reading "
              + journalSettings.describe()
              + " did not finish within "
              + "enas.journal.recovery-timeout ("
              + journalSettings.recoveryTimeout()
              + ")",
          e);
    }
    if (reply.error() != null) {
      throw new IOException(reply.error().getMessage(), reply.error());
    }
    log.info("recovered {} searches from {}", reply.value(), journalSettings.describe());
  }

  /**
   * How long the searches get to snapshot themselves, and the journal to take their last events,
   * when the server stops: what {@code enas.shutdown-grace} leaves after the gRPC calls' grace and
   * a margin for the rest of the shutdown, at least 5 s.
   */
  static Duration drainTimeout(Config enas) {
    Duration grace = enas.getDuration("shutdown-grace");
    if (grace.compareTo(Duration.ofSeconds(10)) < 0) {
      throw new IllegalArgumentException("enas.shutdown-grace must be at least 10s, was " + grace);
    }
    Duration left = grace.minus(enas.getDuration("grpc.shutdown-grace")).minusSeconds(5);
    return left.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : left.dividedBy(2);
  }

  /** The build version, as Maven wrote it into the jar; "unknown" outside a Maven build. */
  public static String version() {
    try (InputStream in = EnasServer.class.getResourceAsStream(VERSION_RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "");
      return version.isEmpty() || version.startsWith("${") ? "unknown" : version;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The guardian is the search manager itself, wired to the model repository that finished searches
   * publish to.
   */
  private static Behavior<SearchManager.Command> guardian(
      ServerSettings settings,
      SnapshotSettings snapshots,
      ExecutorService blocking,
      ModelRepository models,
      JournalSettings journal,
      ClusterNode node) {
    String version = version();
    // Outside a Maven build there is no version to trace a model back to; say so plainly.
    String buildVersion = version.equals("unknown") ? "dev" : version;
    return Behaviors.setup(
        context ->
            SearchManager.create(
                settings,
                snapshots,
                blocking,
                (name, model, metadata) -> models.publish(name, model, metadata).version(),
                buildVersion,
                Journal.of(journal, context.getSystem()),
                node));
  }

  /** The port the API listens on (-1 in process). */
  public int port() {
    return grpc.port();
  }

  /** The port of the HTTP server: the dashboard, the JSON API and event streams, /metrics. */
  public int httpPort() {
    return http.port();
  }

  /** The actor system's root, the search manager. */
  public ActorRef<SearchManager.Command> manager() {
    return system;
  }

  /** The model repository: where finished searches publish their networks for serving. */
  public ModelRepository models() {
    return models;
  }

  /** Waits until the server is shut down. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  /**
   * Asks every running search to snapshot itself at its next step boundary and stop, and the
   * journal to take everything the searches emitted; the answer comes when both are done.
   */
  private java.util.concurrent.CompletableFuture<SearchManager.Reply<Integer>> drain() {
    Duration timeout = drainTimeout;
    return AskPattern.<SearchManager.Command, SearchManager.Reply<Integer>>ask(
            system,
            replyTo -> new SearchManager.Drain(timeout, replyTo),
            timeout.multipliedBy(2).plusSeconds(5),
            system.scheduler())
        .toCompletableFuture();
  }

  /**
   * A cluster node whose actor system stops without {@link #close} (the split-brain resolver downed
   * it, being on the minority side of a partition, or it was removed from the cluster) must not
   * keep serving: its searches now run elsewhere. The process exits with status 3 so that its
   * supervisor (systemd, Kubernetes) starts it again, as a new member; the journal and the
   * snapshots are crash-safe, so nothing is lost.
   */
  private void exitWhenDowned() {
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              if (!closed.get()) {
                log.error(
                    "this node left the cluster without being stopped (downed by the split-brain "
                        + "resolver or removed); its searches run on the other nodes. Exiting "
                        + "with status 3 so that the supervisor starts it again.");
                Runtime.getRuntime().halt(3);
              }
            });
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // The searches stop at their next step boundary while the calls end: a search must not run
    // on through the gRPC grace period only to compute those steps again after the restart.
    java.util.concurrent.CompletableFuture<SearchManager.Reply<Integer>> drained = drain();
    // Event streams end first, with their resume points, as the gRPC watches do below.
    http.close();
    inference.beginShutdown();
    grpc.close();
    inference.close();
    try {
      drained.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.warn("the searches' last snapshots and events may not all be written", e);
    }
    metrics.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not stop within 30 s", e);
    }
    models.close();
    blocking.shutdownNow();
  }
}
