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
   * side. Both show the same floor of about 30 to 45 ms at the 10th percentile here, so the floor
   * is the server's, not the client's.
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
   * Wall time of the short demo search while /metrics is scraped every second, divided by the same
   * search unscraped; each search in a fresh server on its own data directory, after one unmeasured
   * search, in the order off, on, on, off (the first search in a JVM is slower: both sides get one
   * first-or-last place), the ratio of the sums.
   */
  static Bench.Result metricsOverhead() throws Exception {
    // The first search in a JVM runs far slower than the next (85 s against 48-55 s here, JIT and
    // native warm-up): one unmeasured search first, so that the rounds compare scraping only.
    System.out.printf("short demo search, warm-up (not counted): %.1f s%n", shortDemo(false));
    double off = 0;
    double on = 0;
    for (boolean scraped : new boolean[] {false, true, true, false}) {
      double seconds = shortDemo(scraped);
      System.out.printf(
          "short demo search, %s: %.1f s%n",
          scraped ? "scraped every second" : "unscraped", seconds);
      if (scraped) {
        on += seconds;
      } else {
        off += seconds;
      }
    }
    System.out.printf(
        "short demo search: %.1f s unscraped, %.1f s scraped (two rounds each)%n", off, on);
    return new Bench.Result(on / off, "x (short demo wall time, scraped every 1 s / unscraped)");
  }

  private static double shortDemo(boolean scraped) throws Exception {
    try (EnasServer server =
        EnasServer.start(
            config(Files.createTempDirectory("enas-metrics")),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest scrape =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics"))
              .GET()
              .build();
      ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
      AtomicInteger scrapes = new AtomicInteger();
      AtomicInteger bytes = new AtomicInteger();
      try {
        long start = System.nanoTime();
        stub.createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(SpecMapper.toWire(ServerBench.shortDemo()))
                .setSearchId("short")
                .build());
        if (scraped) {
          scraper.scheduleAtFixedRate(
              () -> {
                try {
                  HttpResponse<String> answer =
                      http.send(scrape, HttpResponse.BodyHandlers.ofString());
                  if (answer.statusCode() == 200) {
                    scrapes.incrementAndGet();
                    bytes.set(answer.body().length());
                  }
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
            stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId("short").build());
        while (events.hasNext()) {
          last = events.next();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (last == null || !last.hasFinished()) {
          throw new IllegalStateException("the short demo search did not finish: " + last);
        }
        if (scraped) {
          System.out.printf(
              "  %d scrapes of /metrics, the last %d characters%n", scrapes.get(), bytes.get());
        }
        return seconds;
      } finally {
        scraper.shutdownNow();
        scraper.awaitTermination(5, TimeUnit.SECONDS);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
