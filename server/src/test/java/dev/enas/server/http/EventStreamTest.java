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
import dev.enas.server.store.EventLog;
import dev.enas.train.SearchEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The event streams against logs the test writes itself, so that it can append faster than any
 * client reads: a client that falls behind is cut with its resume point, and resuming with
 * Last-Event-ID gives every event exactly once.
 */
class EventStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 64;
  private static ActorSystem<Void> system;
  private static HttpServer http;
  private static final InMemorySearchBackend logs = new InMemorySearchBackend(10);

  /** A server whose searches no one may change: these tests are about the event streams. */
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

  /** A server that serves no models: these tests are about the event streams. */
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
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "event-stream-test",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    http =
        HttpServer.start(
            system,
            new HttpSettings("127.0.0.1", 0, BUFFER, Duration.ofSeconds(15)),
            logs,
            NO_MODELS,
            NO_CONTROL,
            () -> CompletableFuture.completedFuture(""));
  }

  @AfterAll
  static void stop() {
    http.close();
    system.terminate();
  }

  private static URI events(String id, String query) {
    return URI.create(
        "http://127.0.0.1:" + http.port() + "/api/v1/searches/" + id + "/events" + query);
  }

  private static SearchEvent step(long i) {
    return new SearchEvent.ChildTrained(0, i, "macro: 0 | 1 1", 1.0 / (i + 1), 0.05);
  }

  @Test
  void aClientThatFallsBehindIsCutAndResumesWithLastEventIdWithoutGapOrRepeat() throws Exception {
    EventLog log = logs.newLog("burst");
    List<Long> received = new ArrayList<>();
    String resumeFrom;
    int events = 20_000;
    try (SseClient client = SseClient.open(events("burst", ""), null)) {
      assertThat(client.status()).isEqualTo(200);
      assertThat(client.contentType()).startsWith("text/event-stream");
      // A few events read as they come...
      for (long i = 0; i < 10; i++) {
        log.append(step(i));
        SseClient.Event event = client.next();
        assertThat(event.id()).isEqualTo(Long.toString(i));
        received.add(i);
      }
      // ... then far more than the buffer, appended while the client reads nothing.
      for (long i = 10; i < events; i++) {
        log.append(step(i));
      }
      SseClient.Event event;
      String cut = null;
      while ((event = client.next()) != null) {
        if (event.type().equals("cut")) {
          cut = event.data();
          continue;
        }
        assertThat(cut).as("nothing follows the cut event").isNull();
        JsonNode json = JSON.readTree(event.data());
        assertThat(json.get("sequence").asText()).isEqualTo(event.id());
        assertThat(json.get("search_id").asText()).isEqualTo("burst");
        assertThat(json.has("child_trained")).isTrue();
        received.add(Long.parseLong(event.id()));
      }
      assertThat(cut).as("the stream was cut").isNotNull();
      JsonNode cutJson = JSON.readTree(cut);
      assertThat(cutJson.get("reason").asText()).isEqualTo("OVERFLOW");
      resumeFrom = cutJson.get("resume_from").asText();
    }
    assertThat(received).hasSizeGreaterThanOrEqualTo(10).hasSizeLessThan(events);
    assertThat(Long.parseLong(resumeFrom)).isEqualTo(received.size());

    // The browser reconnects with the id of the last event it got.
    String lastId = Long.toString(received.get(received.size() - 1));
    try (SseClient client = SseClient.open(events("burst", "?from=0"), lastId)) {
      log.append(new SearchEvent.Finished("macro: 0 | 1 1", 0.5, 10, 1.0));
      SseClient.Event event;
      String lastType = null;
      while ((event = client.next()) != null) {
        received.add(Long.parseLong(event.id()));
        lastType = event.type();
        if (event.id().equals(Long.toString(events))) {
          assertThat(JSON.readTree(event.data()).has("finished")).isTrue();
        }
      }
      assertThat(lastType).isEqualTo("message");
    }
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i <= events; i++) {
      expected.add(i);
    }
    assertThat(received).isEqualTo(expected);

    // After the terminal event there is nothing to resume: 204 stops an EventSource.
    try (SseClient client = SseClient.open(events("burst", ""), Long.toString(events))) {
      assertThat(client.status()).isEqualTo(204);
    }
    assertThat(log.subscriberCount()).isZero();
    assertThat(http.openStreams()).isZero();
  }

  @Test
  void closingTheConnectionEndsTheSubscriptionAndFromStartsAnywhere() throws Exception {
    EventLog log = logs.newLog("closing");
    for (long i = 0; i < 10; i++) {
      log.append(step(i));
    }
    try (SseClient client = SseClient.open(events("closing", "?from=4"), null)) {
      assertThat(client.next().id()).isEqualTo("4");
      assertThat(client.next().id()).isEqualTo("5");
      assertThat(log.subscriberCount()).isEqualTo(1);
    }
    // The server notices the closed connection at its next write.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long next = 10;
    while (log.subscriberCount() > 0 && System.nanoTime() < deadline) {
      log.append(step(next++));
      Thread.sleep(20);
    }
    assertThat(log.subscriberCount()).isZero();
    assertThat(http.openStreams()).isZero();
  }

  @Test
  void stoppingTheServerCutsStreamsWithTheirResumePoint() throws Exception {
    ActorSystem<Void> own =
        ActorSystem.create(
            Behaviors.empty(),
            "event-stream-stop",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    EventLog log = logs.newLog("stopping");
    log.append(step(0));
    log.append(step(1));
    HttpServer server =
        HttpServer.start(
            own,
            new HttpSettings("127.0.0.1", 0, BUFFER, Duration.ofSeconds(15)),
            logs,
            NO_MODELS,
            NO_CONTROL,
            () -> CompletableFuture.completedFuture(""));
    try (SseClient client =
        SseClient.open(
            URI.create("http://127.0.0.1:" + server.port() + "/api/v1/searches/stopping/events"),
            null)) {
      assertThat(client.next().id()).isEqualTo("0");
      assertThat(client.next().id()).isEqualTo("1");
      server.close();
      SseClient.Event cut = client.next();
      assertThat(cut.type()).isEqualTo("cut");
      assertThat(JSON.readTree(cut.data()).get("resume_from").asText()).isEqualTo("2");
      assertThat(JSON.readTree(cut.data()).get("reason").asText()).isEqualTo("STOPPED");
      assertThat(client.next()).isNull();
    } finally {
      own.terminate();
    }
  }
}
