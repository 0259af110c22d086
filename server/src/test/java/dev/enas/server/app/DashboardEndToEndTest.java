package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.InferTensorContents;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.http.SseClient;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP port of the real server on loopback while a real small search runs: the JSON API answers
 * what gRPC answers, bad requests name their parameter, and an event stream cut in the middle of
 * the search resumes with Last-Event-ID with no event missing and none repeated.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static EnasServer server;
  private static ManagedChannel channel;
  private static SearchServiceGrpc.SearchServiceBlockingStub stub;
  private static String id;

  @TempDir static Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackServers.start(LoopbackServers.config(dataDir));
    channel = LoopbackServers.channel(server);
    stub = SearchServiceGrpc.newBlockingStub(channel);
    id =
        stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId("dash-1")
                    .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 7)))
                    .build())
            .getId();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  private static URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + pathAndQuery);
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<SearchEvent> watchAll() {
    List<SearchEvent> events = new ArrayList<>();
    stub.withDeadlineAfter(10, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  private static SearchEvent parse(String json) throws Exception {
    SearchEvent.Builder event = SearchEvent.newBuilder();
    JsonFormat.parser().merge(json, event);
    return event.build();
  }

  @Test
  @Order(1)
  void anEventStreamCutInTheMiddleResumesWithLastEventIdWithoutGapOrRepeat() throws Exception {
    List<SearchEvent> received = new ArrayList<>();
    String lastId;
    try (SseClient client = SseClient.open(uri("/api/v1/searches/" + id + "/events"), null)) {
      assertThat(client.status()).isEqualTo(200);
      for (int i = 0; i < 7; i++) {
        SseClient.Event event = client.next();
        SearchEvent parsed = parse(event.data());
        assertThat(Long.toString(parsed.getSequence())).isEqualTo(event.id());
        received.add(parsed);
      }
      lastId = Long.toString(received.get(received.size() - 1).getSequence());
    }
    // The search runs on while nobody listens.
    assertThat(stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build()).hasEndTime())
        .as("the search is still running when the connection is cut")
        .isFalse();
    try (SseClient client =
        SseClient.open(uri("/api/v1/searches/" + id + "/events?from=0"), lastId)) {
      SseClient.Event event;
      while ((event = client.next()) != null) {
        assertThat(event.type()).isEqualTo("message");
        received.add(parse(event.data()));
      }
    }
    List<SearchEvent> all = watchAll();
    assertThat(all.get(all.size() - 1).hasFinished()).isTrue();
    assertThat(received).isEqualTo(all);

    // Resumed after the terminal event: 204, which tells an EventSource to stop.
    try (SseClient client =
        SseClient.open(uri("/api/v1/searches/" + id + "/events"), Long.toString(all.size() - 1))) {
      assertThat(client.status()).isEqualTo(204);
    }
    // ?from alone starts anywhere.
    try (SseClient client =
        SseClient.open(uri("/api/v1/searches/" + id + "/events?from=3"), null)) {
      assertThat(parse(client.next().data())).isEqualTo(all.get(3));
    }
  }

  @Test
  @Order(2)
  void theJsonApiAnswersWhatGrpcAnswers() throws Exception {
    watchAll();
    Search grpc = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());

    HttpResponse<String> one = get("/api/v1/searches/" + id);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.headers().firstValue("Content-Type")).hasValue("application/json");
    Search.Builder search = Search.newBuilder();
    JsonFormat.parser().merge(one.body(), search);
    assertThat(search.build()).isEqualTo(grpc);
    // The proto's own field names, and fields at their defaults printed too.
    JsonNode tree = JSON.readTree(one.body());
    assertThat(tree.has("event_count")).isTrue();
    assertThat(tree.has("failure_reason")).isTrue();
    assertThat(tree.get("state").asText()).isEqualTo("SEARCH_STATE_SUCCEEDED");

    HttpResponse<String> list = get("/api/v1/searches?state=succeeded&page_size=10");
    assertThat(list.statusCode()).isEqualTo(200);
    ListSearchesResponse.Builder searches = ListSearchesResponse.newBuilder();
    JsonFormat.parser().merge(list.body(), searches);
    assertThat(searches.getSearchesList()).containsExactly(grpc);
    assertThat(JSON.readTree(get("/api/v1/searches?state=running,pending").body()).get("searches"))
        .isEmpty();

    // Pages through the history, best first, with the token of the previous page; the tokens
    // are the gRPC API's, so a page of one continues on the other.
    ListArchitecturesResponse firstGrpc =
        stub.listArchitectures(
            ListArchitecturesRequest.newBuilder()
                .setSearchId(id)
                .setPageSize(3)
                .setOrderBy(ArchitectureOrder.ARCHITECTURE_ORDER_REWARD)
                .build());
    HttpResponse<String> page =
        get("/api/v1/searches/" + id + "/architectures?order_by=reward&page_size=3");
    assertThat(page.statusCode()).isEqualTo(200);
    ListArchitecturesResponse.Builder first = ListArchitecturesResponse.newBuilder();
    JsonFormat.parser().merge(page.body(), first);
    assertThat(first.build()).isEqualTo(firstGrpc);
    assertThat(first.getNextPageToken()).isNotEmpty();
    HttpResponse<String> next =
        get(
            "/api/v1/searches/"
                + id
                + "/architectures?order_by=reward&page_size=3&page_token="
                + first.getNextPageToken());
    ListArchitecturesResponse.Builder second = ListArchitecturesResponse.newBuilder();
    JsonFormat.parser().merge(next.body(), second);
    assertThat(second.build())
        .isEqualTo(
            stub.listArchitectures(
                ListArchitecturesRequest.newBuilder()
                    .setSearchId(id)
                    .setPageSize(3)
                    .setPageToken(first.getNextPageToken())
                    .setOrderBy(ArchitectureOrder.ARCHITECTURE_ORDER_REWARD)
                    .build()));

    SampledArchitecture.Builder entry = SampledArchitecture.newBuilder();
    JsonFormat.parser().merge(get("/api/v1/searches/" + id + "/architectures/2").body(), entry);
    assertThat(entry.getIndex()).isEqualTo(2);
  }

  @Test
  @Order(3)
  void badRequestsNameTheParameterAndItsRangeAndUnknownSearchesAre404() throws Exception {
    assertError("/api/v1/searches/nope", 404, "NOT_FOUND", null, "nope");
    assertError("/api/v1/searches/nope/events", 404, "NOT_FOUND", null, "nope");
    assertError("/api/v1/searches/nope/architectures", 404, "NOT_FOUND", null, "nope");
    assertError("/api/v1/searches?page_size=0", 400, "INVALID_ARGUMENT", "page_size", "1..1000");
    assertError("/api/v1/searches?page_size=1001", 400, "INVALID_ARGUMENT", "page_size", "1..1000");
    assertError("/api/v1/searches?page_size=ten", 400, "INVALID_ARGUMENT", "page_size", "1..1000");
    assertError(
        "/api/v1/searches?page_size=1&page_size=2",
        400,
        "INVALID_ARGUMENT",
        "page_size",
        "at most once");
    assertError("/api/v1/searches?state=done", 400, "INVALID_ARGUMENT", "state", "running");
    assertError("/api/v1/searches?page_sise=3", 400, "INVALID_ARGUMENT", "page_sise", "page_size");
    assertError(
        "/api/v1/searches?page_token=garbage", 400, "INVALID_ARGUMENT", "page_token", "page token");
    assertError(
        "/api/v1/searches/" + id + "/architectures?order_by=best",
        400,
        "INVALID_ARGUMENT",
        "order_by",
        "sampled or reward");
    assertError(
        "/api/v1/searches/" + id + "/architectures/-1", 400, "INVALID_ARGUMENT", "index", "0..");
    assertError(
        "/api/v1/searches/" + id + "/architectures/100000", 404, "NOT_FOUND", null, "index 100000");
    assertError(
        "/api/v1/searches/" + id + "/events?from=-1", 400, "INVALID_ARGUMENT", "from", "0..");
    assertError(
        "/api/v1/searches/" + id + "/events?from=999999",
        400,
        "INVALID_ARGUMENT",
        "from",
        "at most");
    HttpResponse<String> badHeader =
        HTTP.send(
            HttpRequest.newBuilder(uri("/api/v1/searches/" + id + "/events"))
                .header("Last-Event-ID", "x")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(badHeader.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badHeader.body()).get("error").get("field").asText())
        .isEqualTo("Last-Event-ID");
    assertError("/api/v2/searches", 404, "NOT_FOUND", null, "/api/v2/searches");
  }

  @Test
  @Order(4)
  void theDashboardsPagesAndEveryFileTheyLoadAreServedFromTheJar() throws Exception {
    java.util.regex.Pattern reference =
        java.util.regex.Pattern.compile("(?:src|href)=\"(/[^\"]*)\"");
    for (String page : List.of("/", "/search?id=" + id, "/models")) {
      HttpResponse<String> html = get(page);
      assertThat(html.statusCode()).as(page).isEqualTo(200);
      assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
      java.util.regex.Matcher m = reference.matcher(html.body());
      int references = 0;
      while (m.find()) {
        references++;
        HttpResponse<String> file = get(m.group(1));
        assertThat(file.statusCode()).as("%s, loaded by %s", m.group(1), page).isEqualTo(200);
        assertThat(file.body()).as(m.group(1)).isNotEmpty();
      }
      assertThat(references).as("files %s loads", page).isGreaterThan(1);
    }
    assertThat(get("/search").body()).contains("chart.js/4.4.1", "d3/7.9.0");
    assertThat(
            get("/webjars/d3/7.9.0/dist/d3.min.js").headers().firstValue("Content-Type").orElse(""))
        .contains("javascript");
    assertThat(get("/ui/../../../../application.conf").statusCode()).isEqualTo(404);
  }

  @Test
  @Order(5)
  void theModelsApiServesMetadataAndInferenceAsModelInferDoes() throws Exception {
    watchAll();
    Search done = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
    String model = done.getModelName();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference =
        GRPCInferenceServiceGrpc.newBlockingStub(channel);

    JsonNode list = JSON.readTree(get("/api/v1/models").body()).get("models");
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("name").asText()).isEqualTo(model);
    assertThat(list.get(0).get("ready").asBoolean()).isTrue();
    assertThat(
            list.get(0)
                .get("metadata")
                .get("parameters")
                .get("architecture")
                .get("string_param")
                .asText())
        .isEqualTo(done.getResult().getArchitecture().getEncoding());

    ModelMetadataResponse.Builder metadata = ModelMetadataResponse.newBuilder();
    JsonFormat.parser().merge(get("/api/v1/models/" + model).body(), metadata);
    assertThat(metadata.build())
        .isEqualTo(
            inference.modelMetadata(ModelMetadataRequest.newBuilder().setName(model).build()));

    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (float pixel : ExternalClients.examplePixels(28 * 28)) {
      contents.addFp32Contents(pixel);
    }
    ModelInferRequest.Builder request =
        ModelInferRequest.newBuilder()
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("input")
                    .setDatatype("FP32")
                    .addAllShape(List.of(1L, 1L, 28L, 28L))
                    .setContents(contents))
            .addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probabilities"));
    HttpResponse<String> answer =
        post("/api/v1/models/" + model + "/infer", JsonFormat.printer().print(request));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    ModelInferResponse.Builder overHttp = ModelInferResponse.newBuilder();
    JsonFormat.parser().merge(answer.body(), overHttp);
    ModelInferResponse overGrpc = inference.modelInfer(request.setModelName(model).build());
    assertThat(overHttp.getRawOutputContents(0)).isEqualTo(overGrpc.getRawOutputContents(0));
    assertThat(overHttp.getOutputs(0)).isEqualTo(overGrpc.getOutputs(0));

    assertPostError(
        "/api/v1/models/" + model + "/infer", "not json", 400, "body", "ModelInferRequest");
    assertPostError(
        "/api/v1/models/" + model + "/infer",
        JsonFormat.printer().print(request.setModelName("other")),
        400,
        "model_name",
        "other");
    request.setModelName("");
    assertPostError(
        "/api/v1/models/nope/infer", JsonFormat.printer().print(request), 404, null, "nope");
    request.getInputsBuilder(0).clearShape().addAllShape(List.of(1L, 1L, 28L));
    assertPostError(
        "/api/v1/models/" + model + "/infer",
        JsonFormat.printer().print(request),
        400,
        "inputs[0].shape",
        "");
    assertError("/api/v1/models/nope", 404, "NOT_FOUND", null, "nope");
    assertError("/api/v1/models?x=1", 400, "INVALID_ARGUMENT", "x", "");
  }

  @Test
  @Order(6)
  void changesNeedTheControlHeaderAndNameTheParameterAtFault() throws Exception {
    HttpResponse<String> bare =
        HTTP.send(
            HttpRequest.newBuilder(uri("/api/v1/searches"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bare.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(bare.body()).get("error").get("field").asText())
        .isEqualTo("X-Enas-Control");
    assertControlError("POST", "/api/v1/searches?preset=huge", 400, "preset", "smoke");
    assertControlError("POST", "/api/v1/searches?space=cnn", 400, "space", "macro");
    assertControlError("POST", "/api/v1/searches?seed=-1", 400, "seed", "0..");
    assertControlError("POST", "/api/v1/searches?preset=demo&space=micro", 400, "space", "demo");
    assertControlError("POST", "/api/v1/searches?search_id=Bad_Id", 400, "search_id", "a-z0-9");
    assertControlError("POST", "/api/v1/searches?colour=red", 400, "colour", "");
    assertControlError("POST", "/api/v1/searches/nope/pause", 404, null, "nope");
    assertControlError("POST", "/api/v1/searches/nope/cancel", 404, null, "nope");
    assertControlError("DELETE", "/api/v1/searches/nope", 404, null, "nope");
    // The finished search cannot be paused: the service's own refusal, as over gRPC.
    assertControlError("POST", "/api/v1/searches/" + id + "/pause", 409, null, "");
    assertThat(
            stub.listSearches(dev.enas.proto.v1.ListSearchesRequest.newBuilder().build())
                .getSearchesCount())
        .as("searches after the refused requests")
        .isEqualTo(1);
  }

  private static void assertControlError(
      String method, String path, int code, String field, String inMessage) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(uri(path))
                .header("X-Enas-Control", "1")
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode())
        .as("%s %s: %s", method, path, response.body())
        .isEqualTo(code);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("message").asText()).as(path).contains(inMessage);
    if (field != null) {
      assertThat(error.get("field").asText()).as(response.body()).isEqualTo(field);
    }
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertPostError(
      String path, String body, int code, String field, String inMessage) throws Exception {
    HttpResponse<String> response = post(path, body);
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(code);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("message").asText()).as(path).contains(inMessage);
    if (field != null) {
      assertThat(error.get("field").asText()).as(response.body()).startsWith(field);
    }
  }

  private static void assertError(
      String path, int code, String status, String field, String inMessage) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(path).isEqualTo(code);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(code);
    assertThat(error.get("status").asText()).as(path).isEqualTo(status);
    assertThat(error.get("message").asText()).as(path).contains(inMessage);
    if (field != null) {
      assertThat(error.get("field").asText()).as(path).isEqualTo(field);
      assertThat(error.get("message").asText()).as(path).startsWith(field + ":");
    }
  }
}
