package dev.enas.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.v1.Search;
import dev.enas.server.api.InMemorySearchBackend;
import dev.enas.server.api.ModelAccess;
import dev.enas.server.api.SearchControl;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import dev.enas.train.SearchEvent;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP port of a server with tokens: nothing but the sign-in page, stylesheets and scripts
 * without a valid token; a bearer header or the cookie the sign-in page sets opens the pages, the
 * JSON API, the event streams and the metrics.
 */
class HttpSignInTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private static final InMemorySearchBackend logs = new InMemorySearchBackend(10);
  private static ActorSystem<Void> system;
  private static HttpServer http;
  private static String viewer;

  private static final SearchControl NO_CONTROL =
      new SearchControl() {
        @Override
        public List<String> presets() {
          return List.of();
        }

        @Override
        public CompletionStage<Search> start(String preset, String space, long seed, String id) {
          return CompletableFuture.failedFuture(
              new SearchBackendException.PermissionDenied("not in this test"));
        }

        @Override
        public CompletionStage<Search> act(Action action, String id) {
          return start("", "", 0, id);
        }
      };

  private static final ModelAccess NO_MODELS =
      new ModelAccess() {
        @Override
        public List<String> names() {
          return List.of();
        }

        @Override
        public CompletionStage<ModelMetadataResponse> metadata(String name) {
          return CompletableFuture.failedFuture(
              new SearchBackendException.NotFound("inference.Model", name, "no models here"));
        }

        @Override
        public String notReadyReason(String name) {
          return "no such model";
        }

        @Override
        public CompletionStage<ModelInferResponse> infer(ModelInferRequest request) {
          return metadata(request.getModelName())
              .thenApply(m -> ModelInferResponse.getDefaultInstance());
        }
      };

  @BeforeAll
  static void start() throws Exception {
    Path file = Files.createTempDirectory("enas-signin").resolve("tokens");
    viewer = TokenStore.add(file, "vera", Role.VIEWER);
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "http-sign-in-test",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    http =
        HttpServer.start(
            system,
            new HttpSettings("127.0.0.1", 0, 64, Duration.ofSeconds(15)),
            logs,
            NO_MODELS,
            NO_CONTROL,
            () -> CompletableFuture.completedFuture("enas_up 1\n"),
            TokenStore.open(file));
    logs.newLog("s1").append(new SearchEvent.Finished("macro: 0 | 1 1", 0.5, 10, 1.0));
  }

  @AfterAll
  static void stop() {
    http.close();
    system.terminate();
  }

  private static HttpResponse<String> get(String path, String header, String value)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).GET();
    if (header != null) {
      request.header(header, value);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> signIn(String token) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/signin"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRefused(HttpResponse<String> response, String field) throws Exception {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"enas\"");
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("status").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(error.get("field").asText()).isEqualTo(field);
  }

  @Test
  void withoutATokenOnlyTheSignInPageAndItsStylesheetAreServed() throws Exception {
    assertRefused(get("/api/v1/searches", null, null), "Authorization");
    assertRefused(get("/api/v1/searches/s1/events", null, null), "Authorization");
    assertRefused(get("/api/v1/models", null, null), "Authorization");
    assertRefused(get("/metrics", null, null), "Authorization");
    HttpResponse<String> page = get("/", null, null);
    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/signin");
    assertThat(get("/search?id=s1", null, null).statusCode()).isEqualTo(303);
    assertThat(get("/signin", null, null).body()).contains("action=\"/signin\"");
    assertThat(get("/ui/dashboard.css", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aBadBearerTokenOrCookieIsRefusedNamingWhereItWas() throws Exception {
    assertRefused(
        get("/api/v1/searches", "Authorization", "Bearer enas.vera.wrong"), "Authorization");
    assertRefused(get("/api/v1/searches", "Authorization", viewer), "Authorization");
    assertRefused(get("/metrics", "Cookie", "enas_token=enas.vera.wrong"), "enas_token");
    HttpResponse<String> wrong = signIn("enas.vera.wrong");
    assertRefused(wrong, "token");
    assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void aViewersBearerTokenReadsTheApiTheEventsAndTheMetrics() throws Exception {
    String bearer = "Bearer " + viewer;
    HttpResponse<String> list = get("/api/v1/searches", "Authorization", bearer);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("s1");
    HttpResponse<String> events = get("/api/v1/searches/s1/events", "Authorization", bearer);
    assertThat(events.statusCode()).isEqualTo(200);
    assertThat(events.body()).startsWith("data:{").contains("\"finished\"");
    assertThat(get("/metrics", "Authorization", bearer).body()).isEqualTo("enas_up 1\n");
  }

  @Test
  void signingInSetsAnHttpOnlyCookieThatOpensThePagesAndTheApi() throws Exception {
    HttpResponse<String> signedIn = signIn(viewer);
    assertThat(signedIn.statusCode()).isEqualTo(303);
    String setCookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).startsWith("enas_token=" + viewer + ";").contains("HttpOnly");
    String cookie = "enas_token=" + viewer;
    HttpResponse<String> page = get("/", "Cookie", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<table id=\"searches\">");
    assertThat(get("/api/v1/searches/s1", "Cookie", cookie).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", "Cookie", cookie).statusCode()).isEqualTo(200);
  }
}
