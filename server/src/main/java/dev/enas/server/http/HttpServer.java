package dev.enas.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.redirect;

import dev.enas.server.api.ModelAccess;
import dev.enas.server.api.SearchControl;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.security.SecuritySettings;
import dev.enas.server.security.TokenStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP port beside gRPC, served by Pekko HTTP on the server's actor system: the dashboard (the
 * project's own pages from the jar, Chart.js and d3 from their WebJars), the read-only JSON API and
 * per-search event streams under {@code /api/v1/} ({@link ApiRoutes}), and Prometheus metrics at
 * {@code /metrics}. {@link #close()} ends every event stream with its resume point, then unbinds
 * and lets running requests finish within a short deadline.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  /** The cookie that carries a signed-in browser's token. */
  static final String TOKEN_COOKIE = SignIn.COOKIE;

  /** The dashboard's files in the jar. */
  static final String UI = "dev/enas/server/http/dashboard";

  private static final String WEBJARS = "META-INF/resources/webjars";
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(3);
  private static final Duration STREAMS_DRAIN = Duration.ofSeconds(2);

  private final ServerBinding binding;
  private final ApiRoutes api;
  private final Materializer materializer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpServer(ServerBinding binding, ApiRoutes api, Materializer materializer) {
    this.binding = binding;
    this.api = api;
    this.materializer = materializer;
  }

  /**
   * Binds the port and serves until {@link #close()}, with the token store of the server's
   * configuration ({@code enas.security}, the one the gRPC port uses), if it has one.
   *
   * @param backend the searches, read through the same interface as the gRPC API
   * @param models the served models, for the models page and its inference
   * @param control the dashboard's buttons: start, cancel, pause, resume and delete searches
   * @param scrape the Prometheus text of the server's metrics, at the time of the request
   * @throws IOException if the port cannot be bound (in use, or an address not of this host), or
   *     the token file cannot be read
   */
  public static HttpServer start(
      ActorSystem<?> system,
      HttpSettings settings,
      SearchBackend backend,
      ModelAccess models,
      SearchControl control,
      Supplier<CompletionStage<String>> scrape)
      throws IOException {
    TokenStore tokens =
        SecuritySettings.fromConfig(system.settings().config().getConfig("enas")).tokenStore();
    return start(system, settings, backend, models, control, scrape, tokens);
  }

  /**
   * Binds the port and serves until {@link #close()}.
   *
   * @param tokens the server's tokens, or null for a server without them (everything is open, as on
   *     the gRPC port). With tokens every page, the JSON API, the event streams and {@code
   *     /metrics} need a valid one (any role: reading and trying models is a viewer's), as {@code
   *     Authorization: Bearer TOKEN} or in the cookie {@value #TOKEN_COOKIE}, which the sign-in
   *     page sets; only the sign-in page, stylesheets and scripts are open.
   * @see #start(ActorSystem, HttpSettings, SearchBackend, ModelAccess, SearchControl, Supplier)
   */
  public static HttpServer start(
      ActorSystem<?> system,
      HttpSettings settings,
      SearchBackend backend,
      ModelAccess models,
      SearchControl control,
      Supplier<CompletionStage<String>> scrape,
      TokenStore tokens)
      throws IOException {
    ApiRoutes api = new ApiRoutes(backend, models, control, settings);
    SignIn signIn = new SignIn(tokens);
    Route routes =
        concat(
            pathSingleSlash(
                () -> signIn.page(() -> get(() -> getFromResource(UI + "/index.html")))),
            path(
                "search", () -> signIn.page(() -> get(() -> getFromResource(UI + "/search.html")))),
            path(
                "models", () -> signIn.page(() -> get(() -> getFromResource(UI + "/models.html")))),
            path("signin", signIn::routes),
            path("ui", () -> redirect(Uri.create("/"), StatusCodes.FOUND)),
            // The project's stylesheet and scripts and the WebJars hold nothing secret, and the
            // sign-in page needs the stylesheet before anyone has signed in.
            pathPrefix("ui", () -> get(() -> getFromResourceDirectory(UI))),
            pathPrefix("webjars", () -> get(() -> getFromResourceDirectory(WEBJARS))),
            path(
                "metrics",
                () ->
                    signIn.api(
                        () ->
                            get(
                                () ->
                                    completeWithFuture(
                                        scrape
                                            .get()
                                            .handle(
                                                (text, error) ->
                                                    error == null
                                                        ? HttpResponse.create()
                                                            .withEntity(
                                                                ContentTypes.TEXT_PLAIN_UTF8, text)
                                                        : HttpError.of(error).response()))))),
            pathPrefix("api", () -> signIn.api(api::routes)),
            extractUnmatchedPath(unmatched -> complete(HttpError.noRoute(unmatched).response())));
    Materializer materializer = materializer(system);
    ServerBinding binding;
    try {
      binding =
          Http.get(system)
              .newServerAt(settings.host(), settings.port())
              .withMaterializer(materializer)
              .bind(routes)
              .toCompletableFuture()
              .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      materializer.shutdown();
      throw new IOException(
          "cannot serve HTTP on "
              + settings.host()
              + ":"
              + settings.port()
              + " (enas.http.host / enas.http.port, --http-port): "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      materializer.shutdown();
      throw new IOException(
          "binding HTTP on "
              + settings.host()
              + ":"
              + settings.port()
              + " took longer than "
              + BIND_TIMEOUT,
          e);
    } catch (InterruptedException e) {
      materializer.shutdown();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding HTTP", e);
    }
    log.info("HTTP server (dashboard, /api/v1, /metrics) started on {}", binding.localAddress());
    return new HttpServer(binding, api, materializer);
  }

  /**
   * The HTTP connections' own materializer, stopped with the server. Its writes go to the socket at
   * once: application.conf sets {@code pekko.stream.materializer.io.tcp.coalesce-writes = 0} (see
   * there and bench/README.md, dashboard-fanout).
   */
  private static Materializer materializer(ActorSystem<?> system) {
    return Materializer.createMaterializer(system);
  }

  /** The port the HTTP server listens on. */
  public int port() {
    return binding.localAddress().getPort();
  }

  /** Event streams open now, for the watcher gauge. */
  public int openStreams() {
    return api.openStreams();
  }

  /** Safe to call more than once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    api.stopStreams();
    // Let each stream send its cut event before the connections close under it.
    long deadline = System.nanoTime() + STREAMS_DRAIN.toNanos();
    while (api.openStreams() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      binding
          .terminate(UNBIND_DEADLINE)
          .toCompletableFuture()
          .get(UNBIND_DEADLINE.toMillis() + 2_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("the HTTP server did not stop cleanly", e);
    }
    materializer.shutdown();
  }
}
