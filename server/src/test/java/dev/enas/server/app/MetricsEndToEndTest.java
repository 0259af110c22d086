package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.http.SseClient;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus at /metrics of the real server, scraped while a real small search runs: counters only
 * grow, histogram buckets are cumulative and end at the count, the step, update and event counters
 * agree with the search's own events, and every metric the README's table names is there.
 */
@Tag("slow")
class MetricsEndToEndTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** {@code name{labels} value}, labels optional. */
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)(\\s+\\S+)?$");

  private static final Pattern LE = Pattern.compile("(,?)le=\"([^\"]*)\"");
  private static final Pattern README_ROW = Pattern.compile("^\\|\\s*`([a-z_:]+)`\\s*\\|");

  @TempDir static Path dataDir;

  /** One scrape: every sample by its series (name and labels as printed). */
  record Scrape(Map<String, Double> samples, Set<String> families, String text) {}

  @Test
  void countersGrowBucketsAreCumulativeAndEveryDocumentedMetricExists() throws Exception {
    List<String> documented = documentedMetrics();
    assertThat(documented).as("metric names in the README's table").hasSizeGreaterThan(15);
    try (EnasServer server = LoopbackServers.start(LoopbackServers.config(dataDir))) {
      ManagedChannel channel = LoopbackServers.channel(server);
      try {
        SearchServiceGrpc.SearchServiceBlockingStub stub =
            SearchServiceGrpc.newBlockingStub(channel);
        String id =
            stub.createSearch(
                    CreateSearchRequest.newBuilder()
                        .setSearchId("metrics-1")
                        .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 9)))
                        .build())
                .getId();
        URI metrics = URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics");
        List<Scrape> scrapes = new ArrayList<>();
        int whileRunning = 0;
        boolean sawSseWatcher = false;
        try (SseClient watcher =
            SseClient.open(
                URI.create(
                    "http://127.0.0.1:" + server.httpPort() + "/api/v1/searches/" + id + "/events"),
                null)) {
          assertThat(watcher.status()).isEqualTo(200);
          while (true) {
            Search search = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
            Scrape scrape = scrape(metrics);
            scrapes.add(scrape);
            if (search.hasEndTime()) {
              break;
            }
            if (scrape.samples().getOrDefault("enas_searches{state=\"running\"}", 0.0) == 1.0) {
              whileRunning++;
            }
            sawSseWatcher |=
                scrape.samples().getOrDefault("enas_watchers_connected{transport=\"sse\"}", 0.0)
                    >= 1.0;
            // Short: with oneDNN's full kernels the smoke search runs in about a second here.
            Thread.sleep(50);
          }
        }
        assertThat(whileRunning).as("scrapes while the search ran").isGreaterThanOrEqualTo(3);
        assertThat(sawSseWatcher).isTrue();

        List<SearchEvent> events = new ArrayList<>();
        stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
            .forEachRemaining(events::add);
        assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
        Search done = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
        // One inference on the published model, one for a model that does not exist.
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference =
            GRPCInferenceServiceGrpc.newBlockingStub(channel);
        inference.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName(done.getModelName())
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("input")
                        .setDatatype("FP32")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)))
                .addRawInputContents(ByteString.copyFrom(new byte[4 * 28 * 28]))
                .build());
        try {
          inference.modelInfer(
              ModelInferRequest.newBuilder().setModelName("no-such-model").build());
        } catch (StatusRuntimeException expected) {
          // NOT_FOUND, timed under (unknown)
        }
        // JVM GC pauses appear with the first collection.
        Scrape last = null;
        for (int i = 0; i < 50; i++) {
          System.gc();
          last = scrape(metrics);
          if (last.families().contains("jvm_gc_pause_seconds")) {
            break;
          }
          Thread.sleep(100);
        }
        scrapes.add(last);
        Files.writeString(Path.of("target", "metrics-end-to-end.txt"), last.text());

        assertCountersOnlyGrow(scrapes);
        for (Scrape scrape : scrapes) {
          assertBucketsAreCumulative(scrape);
        }
        Map<String, Double> samples = last.samples();
        long trained = events.stream().filter(SearchEvent::hasChildTrained).count();
        long updates = events.stream().filter(SearchEvent::hasControllerUpdated).count();
        assertThat(trained).isPositive();
        assertThat(samples.get("enas_shared_steps_total{outcome=\"trained\"}"))
            .isEqualTo((double) trained);
        assertThat(samples.get("enas_shared_step_duration_seconds_count"))
            .isEqualTo((double) trained);
        assertThat(samples.get("enas_controller_updates_total")).isEqualTo((double) updates);
        assertThat(samples.get("enas_controller_update_duration_seconds_count"))
            .isEqualTo((double) updates);
        double published =
            samples.entrySet().stream()
                .filter(e -> e.getKey().startsWith("enas_events_published_total"))
                .mapToDouble(Map.Entry::getValue)
                .sum();
        assertThat(published).isEqualTo((double) events.size());
        assertThat(samples.get("enas_searches{state=\"succeeded\"}")).isEqualTo(1.0);
        assertThat(samples.get("enas_searches{state=\"running\"}")).isEqualTo(0.0);
        assertThat(
                samples.get(
                    "enas_model_infer_duration_seconds_count{model=\""
                        + done.getModelName()
                        + "\",status=\"OK\"}"))
            .isEqualTo(1.0);
        assertThat(
                samples.get(
                    "enas_model_infer_duration_seconds_count{model=\"(unknown)\",status=\"NOT_FOUND\"}"))
            .isEqualTo(1.0);
        assertThat(samples.get("process_resident_memory_bytes")).isGreaterThan(50e6);
        assertThat(samples.keySet())
            .anyMatch(
                series ->
                    series.startsWith("enas_grpc_server_processing_duration_seconds_count{")
                        && series.contains("method=\"CreateSearch\"")
                        && series.contains("statusCode=\"OK\""));

        for (String name : documented) {
          assertThat(last.families()).as("metric %s of the README's table", name).contains(name);
        }
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Scrape scrape(URI uri) throws Exception {
    HttpResponse<String> response =
        HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new LinkedHashMap<>();
    Set<String> families = new LinkedHashSet<>();
    for (String line : response.body().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        String family = parts[2];
        families.add(family);
        // Counters are typed by their name without _total in some formats: know both.
        if (parts[3].equals("counter") && !family.endsWith("_total")) {
          families.add(family + "_total");
        }
        continue;
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: %s", line).isTrue();
      samples.put(
          m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
    }
    return new Scrape(samples, families, response.body());
  }

  /** Every counter series of an earlier scrape is in each later one, never smaller. */
  private static void assertCountersOnlyGrow(List<Scrape> scrapes) {
    for (int i = 1; i < scrapes.size(); i++) {
      Map<String, Double> before = scrapes.get(i - 1).samples();
      Map<String, Double> after = scrapes.get(i).samples();
      before.forEach(
          (series, value) -> {
            String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
            if (name.endsWith("_total") || name.endsWith("_count") || name.endsWith("_bucket")) {
              assertThat(after).as("series %s is still there", series).containsKey(series);
              assertThat(after.get(series)).as("counter %s", series).isGreaterThanOrEqualTo(value);
            }
          });
    }
  }

  /** Each histogram's buckets grow with {@code le} and its +Inf bucket is its count. */
  private static void assertBucketsAreCumulative(Scrape scrape) {
    Map<String, TreeMap<Double, Double>> histograms = new TreeMap<>();
    scrape
        .samples()
        .forEach(
            (series, value) -> {
              if (!series.contains("_bucket{")) {
                return;
              }
              Matcher le = LE.matcher(series);
              assertThat(le.find()).as(series).isTrue();
              String bound = le.group(2);
              // name_bucket{a="x",le="0.1"} -> name_count{a="x"}; name_bucket{le="1"} -> name_count
              String count =
                  le.replaceFirst("")
                      .replace("_bucket{", "_count{")
                      .replace("{,", "{")
                      .replace("_count{}", "_count");
              histograms
                  .computeIfAbsent(count, k -> new TreeMap<>())
                  .put(
                      bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound),
                      value);
            });
    assertThat(histograms).as("histograms in a scrape").isNotEmpty();
    histograms.forEach(
        (key, buckets) -> {
          double previous = 0;
          for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
            assertThat(bucket.getValue())
                .as("%s le=%s", key, bucket.getKey())
                .isGreaterThanOrEqualTo(previous);
            previous = bucket.getValue();
          }
          assertThat(buckets.lastKey()).as(key).isEqualTo(Double.POSITIVE_INFINITY);
          assertThat(scrape.samples().get(key))
              .as("%s equals the +Inf bucket", key)
              .isEqualTo(previous);
        });
  }

  /** The metric names in the first column of the README's table under "### Metrics". */
  private static List<String> documentedMetrics() throws Exception {
    Path readme = Path.of("..", "README.md");
    List<String> names = new ArrayList<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(readme)) {
      if (line.startsWith("#")) {
        inSection = line.strip().equals("### Metrics");
        continue;
      }
      Matcher m = README_ROW.matcher(line);
      if (inSection && m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
