package dev.enas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.app.EnasServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** The dashboard's HTTP side under load: event-stream fan-out and the cost of being scraped. */
final class DashboardBench {
  private static final int CLIENTS = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The SSE clients: a plain socket reading the chunked response as it arrives (default), or the
   * JDK's HttpClient ({@code -Denas.bench.sse-client=jdk}), whose line stream buffers on its own
   * side. Both showed the same floor of about 30 to 45 ms at the 10th percentile before the server
   * wrote its events at once (bench/README.md), so that floor was the server's, not the client's.
   */
  private static final boolean JDK_CLIENT =
      "jdk".equals(System.getProperty("enas.bench.sse-client", "socket"));

  private DashboardBench() {}

  /**
   * A minimal HTTP/1.1 client for one event stream: sends the GET, checks the status, and answers
   * the body's lines as each arrives, decoding the chunked transfer coding by hand so that nothing
   * between the socket and the reader buffers a line.
   */
  private static final class SseSocket {
    private final Socket socket;
    private final InputStream in;

    SseSocket(URI uri) throws IOException {
      socket = new Socket(uri.getHost(), uri.getPort());
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream());
      String request =
          "GET "
              + uri.getRawPath()
              + " HTTP/1.1\r\nHost: "
              + uri.getHost()
              + ":"
              + uri.getPort()
              + "\r\nAccept: text/event-stream\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      if (!status.startsWith("HTTP/1.1 200")) {
        throw new IllegalStateException(status);
      }
      boolean chunked = false;
      for (String header = line(); !header.isEmpty(); header = line()) {
        chunked |= header.toLowerCase(Locale.ROOT).equals("transfer-encoding: chunked");
      }
      if (!chunked) {
        throw new IllegalStateException("the event stream is not chunked");
      }
    }

    /** One CRLF-terminated line of the raw stream, without its end. */
    private String line() throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new EOFException();
        }
        if (b != '\r') {
          bytes.write(b);
        }
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The body's lines, read chunk by chunk; ends with the last chunk. */
    Iterator<String> lines() {
      return new Iterator<>() {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final ArrayDeque<String> ready = new ArrayDeque<>();
        private boolean ended;

        @Override
        public boolean hasNext() {
          try {
            while (ready.isEmpty() && !ended) {
              int size = Integer.parseInt(line().trim(), 16);
              if (size == 0) {
                ended = true;
                socket.close();
                break;
              }
              byte[] chunk = in.readNBytes(size);
              line(); // the CRLF after the chunk's data
              for (byte b : chunk) {
                if (b == '\n') {
                  ready.add(partial.toString(StandardCharsets.UTF_8));
                  partial.reset();
                } else {
                  partial.write(b);
                }
              }
            }
            return !ready.isEmpty();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public String next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return ready.poll();
        }
      };
    }
  }

  private static Config config(Path dataDir) {
    return ConfigFactory.load()
        .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
        .withValue("enas.http.port", ConfigValueFactory.fromAnyRef(0));
  }

  /**
   * 99th-percentile delay from an event's log time to its arrival at each of 100 Server-Sent Events
   * clients, during the short demo search that watch-fanout runs, with 100 gRPC watchers of the
   * same search at the same time (their p99 is printed too: the two transports side by side, in the
   * same run, on the same events).
   */
  static Bench.Result fanout() throws Exception {
    List<Double> sseDelays = Collections.synchronizedList(new ArrayList<>());
    List<Double> grpcDelays = Collections.synchronizedList(new ArrayList<>());
    long[] sseCounts = new long[CLIENTS];
    long[] grpcCounts = new long[CLIENTS];
    try (EnasServer server =
        EnasServer.start(
            config(Files.createTempDirectory("enas-fanout")),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
      Search created =
          stub.createSearch(
              CreateSearchRequest.newBuilder()
                  .setSpec(SpecMapper.toWire(ServerBench.shortDemo()))
                  .build());
      String id = created.getId();
      CountDownLatch done = new CountDownLatch(2 * CLIENTS);
      AtomicInteger failures = new AtomicInteger();

      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(30))
              .build();
      URI events =
          URI.create(
              "http://127.0.0.1:" + server.httpPort() + "/api/v1/searches/" + id + "/events");
      List<Thread> readers = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int index = c;
        Thread reader =
            new Thread(
                () -> {
                  try {
                    Iterator<String> lines;
                    if (JDK_CLIENT) {
                      HttpResponse<Stream<String>> response =
                          http.send(
                              HttpRequest.newBuilder(events)
                                  .header("Accept", "text/event-stream")
                                  .GET()
                                  .build(),
                              HttpResponse.BodyHandlers.ofLines());
                      if (response.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + response.statusCode());
                      }
                      lines = response.body().iterator();
                    } else {
                      lines = new SseSocket(events).lines();
                    }
                    while (lines.hasNext()) {
                      String line = lines.next();
                      if (!line.startsWith("data:")) {
                        continue;
                      }
                      // Arrival first; parsing is the client's own cost, not the server's.
                      Instant now = Instant.now();
                      JsonNode event = JSON.readTree(line.substring(5).trim());
                      if (!event.has("time")) {
                        continue; // a cut notice, not an event
                      }
                      Instant made = Instant.parse(event.get("time").asText());
                      sseDelays.add(Math.max(0, Duration.between(made, now).toNanos()) / 1e6);
                      sseCounts[index]++;
                    }
                  } catch (Exception e) {
                    failures.incrementAndGet();
                    System.err.println("SSE client " + index + " failed: " + e);
                  } finally {
                    done.countDown();
                  }
                },
                "sse-client-" + c);
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
      }
      for (int w = 0; w < CLIENTS; w++) {
        int index = w;
        SearchServiceGrpc.newStub(channel)
            .watchSearch(
                WatchSearchRequest.newBuilder().setSearchId(id).build(),
                new StreamObserver<SearchEvent>() {
                  @Override
                  public void onNext(SearchEvent e) {
                    Instant now = Instant.now();
                    Instant made =
                        Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos());
                    grpcDelays.add(Math.max(0, Duration.between(made, now).toNanos()) / 1e6);
                    grpcCounts[index]++;
                  }

                  @Override
                  public void onError(Throwable t) {
                    failures.incrementAndGet();
                    System.err.println("watcher " + index + " failed: " + t);
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
      }
      if (!done.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the clients did not all reach the end of the search");
      }
      if (failures.get() > 0) {
        throw new IllegalStateException(failures.get() + " clients failed; see above");
      }
      long eventCount =
          stub.getSearch(dev.enas.proto.v1.GetSearchRequest.newBuilder().setSearchId(id).build())
              .getEventCount();
      System.out.printf(
          "%d events; events per SSE client %s, per gRPC watcher %s%n",
          eventCount, range(sseCounts), range(grpcCounts));
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    double[] grpc = grpcDelays.stream().mapToDouble(Double::doubleValue).toArray();
    double[] sse = sseDelays.stream().mapToDouble(Double::doubleValue).toArray();
    System.out.println("gRPC watchers, delivery delay: " + Timing.summary(grpc));
    System.out.printf(
        "watch-fanout (same run): %.2f ms (p99 delay, 100 watchers)%n",
        Timing.percentile(grpc, 99));
    System.out.println("SSE clients, delivery delay: " + Timing.summary(sse));
    return new Bench.Result(Timing.percentile(sse, 99), "ms (p99 delay, 100 SSE clients)");
  }

  private static String range(long[] counts) {
    long min = Long.MAX_VALUE;
    long max = 0;
    for (long c : counts) {
      min = Math.min(min, c);
      max = Math.max(max, c);
    }
    return min + ".." + max;
  }

  /**
   * What scraping /metrics every second costs the short demo search, measured two ways in one
   * server (one JVM), after one unmeasured search:
   *
   * <ul>
   *   <li>Directly: {@code enas.bench.pairs} (default 8) pairs of searches, one scraped and one
   *       not, the order alternating from pair to pair (off-on, on-off, ...) so that neither side
   *       always runs first; each pair's ratio of wall time and of the process's CPU time. The
   *       median and the spread of the pairs' ratios are printed. On this shared 2-core machine two
   *       equal searches differ by several percent, so these ratios cannot settle a 1 % goal by
   *       themselves.
   *   <li>By accounting, which can: the CPU time of one scrape (many scrapes of the idle server,
   *       the process's CPU time divided by their number; it includes the client's side of each
   *       request, so it overstates the server's), times the scrapes a search took, divided by the
   *       CPU time of an unscraped search. Where the search keeps the cores busy, extra CPU work
   *       lengthens it by at most that fraction; where the cores have idle time, by less.
   * </ul>
   *
   * The result is the accounted bound, 1 + scrape CPU / search CPU.
   */
  static Bench.Result metricsOverhead() throws Exception {
    int pairs = Integer.getInteger("enas.bench.pairs", 8);
    if (pairs < 1 || pairs > 100) {
      throw new IllegalArgumentException("enas.bench.pairs must be in 1..100, was " + pairs);
    }
    try (EnasServer server =
        EnasServer.start(
            config(Files.createTempDirectory("enas-metrics")),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      HttpClient http = HttpClient.newHttpClient();
      URI metrics = URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics");
      try {
        Round warmUp = shortDemo(channel, http, metrics, "warm-up", false);
        System.out.printf(
            "warm-up search (not counted): %.1f s wall, %.1f s CPU%n", warmUp.wall, warmUp.cpu);
        double[] wallRatios = new double[pairs];
        double[] cpuRatios = new double[pairs];
        List<Double> unscrapedCpu = new ArrayList<>();
        List<Integer> scrapeCounts = new ArrayList<>();
        for (int pair = 0; pair < pairs; pair++) {
          boolean scrapedFirst = pair % 2 == 1;
          Round first = shortDemo(channel, http, metrics, "pair-" + pair + "-a", scrapedFirst);
          Round second = shortDemo(channel, http, metrics, "pair-" + pair + "-b", !scrapedFirst);
          Round on = scrapedFirst ? first : second;
          Round off = scrapedFirst ? second : first;
          wallRatios[pair] = on.wall / off.wall;
          cpuRatios[pair] = on.cpu / off.cpu;
          unscrapedCpu.add(off.cpu);
          scrapeCounts.add(on.scrapes);
          System.out.printf(
              "pair %d (%s first): unscraped %.1f s wall, %.1f s CPU; scraped %.1f s wall,"
                  + " %.1f s CPU, %d scrapes of %d characters; ratio wall %.3f, CPU %.3f%n",
              pair,
              scrapedFirst ? "scraped" : "unscraped",
              off.wall,
              off.cpu,
              on.wall,
              on.cpu,
              on.scrapes,
              on.scrapeChars,
              wallRatios[pair],
              cpuRatios[pair]);
        }
        System.out.println("wall-time ratio, scraped / unscraped, per pair: " + spread(wallRatios));
        System.out.println("CPU-time ratio, scraped / unscraped, per pair: " + spread(cpuRatios));

        // The scrape's own cost, on the idle server after the searches (the most it will ever
        // cost: every search above adds its series).
        int scrapes = 300;
        long[] nanos = new long[scrapes];
        int chars = 0;
        for (int i = 0; i < 20; i++) {
          chars = scrapeOnce(http, metrics);
        }
        long cpuBefore = processCpuNanos();
        for (int i = 0; i < scrapes; i++) {
          long t0 = System.nanoTime();
          chars = scrapeOnce(http, metrics);
          nanos[i] = System.nanoTime() - t0;
        }
        double cpuPerScrape = (processCpuNanos() - cpuBefore) / 1e9 / scrapes;
        double[] latencyMs = new double[scrapes];
        for (int i = 0; i < scrapes; i++) {
          latencyMs[i] = nanos[i] / 1e6;
        }
        System.out.printf(
            "one scrape of the idle server (%d characters): %.2f ms CPU (client side included),"
                + " latency %s%n",
            chars, cpuPerScrape * 1e3, Timing.summary(latencyMs));
        double medianScrapes =
            Timing.percentile(
                scrapeCounts.stream().mapToDouble(Integer::doubleValue).toArray(), 50);
        double medianCpu =
            Timing.percentile(unscrapedCpu.stream().mapToDouble(Double::doubleValue).toArray(), 50);
        double bound = 1 + medianScrapes * cpuPerScrape / medianCpu;
        System.out.printf(
            "accounted: %.0f scrapes per search x %.2f ms = %.3f s CPU, against %.1f s CPU of an"
                + " unscraped search: at most %.4f%n",
            medianScrapes, cpuPerScrape * 1e3, medianScrapes * cpuPerScrape, medianCpu, bound);
        return new Bench.Result(
            bound,
            "x (short demo scraped every 1 s / unscraped, bounded by scrape CPU / search CPU)");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** One measured search: its wall and process CPU seconds, and the scrapes taken meanwhile. */
  private record Round(double wall, double cpu, int scrapes, int scrapeChars) {}

  private static String spread(double[] values) {
    return String.format(
        "median %.3f, quartiles %.3f..%.3f, range %.3f..%.3f (n=%d)",
        Timing.percentile(values, 50),
        Timing.percentile(values, 25),
        Timing.percentile(values, 75),
        Timing.percentile(values, 0),
        Timing.percentile(values, 100),
        values.length);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** One GET of /metrics; returns the length of the text. */
  private static int scrapeOnce(HttpClient http, URI metrics) throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered HTTP " + answer.statusCode());
    }
    return answer.body().length();
  }

  private static Round shortDemo(
      ManagedChannel channel, HttpClient http, URI metrics, String id, boolean scraped)
      throws Exception {
    SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
    ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger scrapes = new AtomicInteger();
    AtomicInteger chars = new AtomicInteger();
    try {
      long cpu0 = processCpuNanos();
      long start = System.nanoTime();
      stub.createSearch(
          CreateSearchRequest.newBuilder()
              .setSpec(SpecMapper.toWire(ServerBench.shortDemo()))
              .setSearchId(id)
              .build());
      if (scraped) {
        scraper.scheduleAtFixedRate(
            () -> {
              try {
                chars.set(scrapeOnce(http, metrics));
                scrapes.incrementAndGet();
              } catch (Exception e) {
                System.err.println("scrape failed: " + e);
              }
            },
            0,
            1,
            TimeUnit.SECONDS);
      }
      SearchEvent last = null;
      Iterator<SearchEvent> events =
          stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build());
      while (events.hasNext()) {
        last = events.next();
      }
      double wall = (System.nanoTime() - start) / 1e9;
      double cpu = (processCpuNanos() - cpu0) / 1e9;
      if (last == null || !last.hasFinished()) {
        throw new IllegalStateException("the short demo search did not finish: " + last);
      }
      return new Round(wall, cpu, scrapes.get(), chars.get());
    } finally {
      scraper.shutdownNow();
      scraper.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
