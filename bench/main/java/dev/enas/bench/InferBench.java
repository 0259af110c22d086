package dev.enas.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import dev.enas.data.Normalization;
import dev.enas.export.ModelMetadata;
import dev.enas.export.OnnxExporter;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.inference.ServerLiveRequest;
import dev.enas.server.api.SpecJson;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.app.EnasServer;
import dev.enas.server.security.Role;
import dev.enas.server.security.TlsSettings;
import dev.enas.server.security.TokenStore;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.serving.ServingSettings;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpaces;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StandaloneNetwork;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Benchmarks of model serving: what ModelInfer over a loopback port costs compared with calling
 * ONNX Runtime directly on the same model, for one image at a time and for a busy server.
 *
 * <p>Both sides start from the same float pixels and end with the same float probabilities, so the
 * difference is what the protocol adds: packing the request, gRPC and HTTP/2 over loopback, the
 * server's checks, its thread hand-offs and copies, and unpacking the answer. The direct session
 * gets the server's own session options (intra-op threads from {@code
 * enas.serving.intra-op-threads}, one inter-op thread, sequential execution), so the model runs the
 * same way on both sides.
 */
final class InferBench {
  private InferBench() {}

  /** The served model's name in the benchmark's repository. */
  private static final String MODEL = "bench-child";

  /**
   * A 6-layer macro child using every operation, with a few skips: the size of the Quick start
   * demo's retrained child (6 layers, 24 channels, 28 x 28 grey images).
   */
  static final String ARCHITECTURE = "macro: 1 | 2 1 | 4 0 1 | 3 1 0 0 | 0 0 1 1 0 | 5 1 0 0 1 0";

  /** Training steps before export, so batch norm's running statistics are a trained network's. */
  private static final int TRAINING_STEPS = 40;

  /**
   * Median ModelInfer latency minus median direct ONNX Runtime latency, batch 1, in ms.
   *
   * <p>The headline client is the one that adds nothing of its own to either side: an asynchronous
   * stub on a channel with a direct executor, each call made from the callback that received the
   * previous answer. Its calls start and finish on gRPC's event-loop thread, the way the direct
   * calls start and finish on the benchmark's thread, so neither side pays a thread hand-off inside
   * the client. A blocking stub pays two (its caller wakes the event loop to send, and the event
   * loop wakes the caller with the answer); its figure is printed beside the headline, as the
   * latency a simple synchronous Java client sees.
   *
   * <p>The kinds of call take turns in blocks of {@value #BLOCK} calls, in an order that rotates
   * every round, so that the machine's load hits each alike while each runs the way a busy server
   * and a busy client run it: back to back. (On a shared machine the speed of the same call swings
   * by a third from one tenth of a second to the next; short blocks keep both sides of the
   * difference in the same stretches of time. The median over rounds of each round's difference of
   * block medians is printed as a check: it does not depend on how the slow stretches fall.)
   * (Alternating single calls made every ModelInfer run on caches just filled by the other
   * session's weights and the other path's code, a cost that no deployment pays; it added about 0.1
   * ms.) Besides the two ModelInfer clients and the direct call:
   *
   * <ul>
   *   <li>ServerLive, which has no body and does no work: the round trip any call over this port
   *       pays, with the caches warm from the call before;
   *   <li>ServerLive right after an unmeasured direct inference: the same round trip with the
   *       caches as an inference leaves them, which is what a ModelInfer's answer travels on.
   * </ul>
   *
   * The warm-up gives every kind {@value #WARMUP_CALLS} calls: the JIT compiles gRPC's, Netty's and
   * protobuf's paths over tens of thousands of calls (with 3,000, the round trip was still twice
   * its settled time), and a serving process has long passed that point. The CPU time the whole
   * process spent per call of each kind is printed too: on a machine where it is close to the
   * call's latency, the calls are bound by CPU, not by waiting.
   */
  static Bench.Result overhead() throws Exception {
    int runs = 5000;
    try (Setup setup = Setup.create()) {
      float[][] images = new float[16][];
      for (int i = 0; i < images.length; i++) {
        images[i] = setup.images(i, 1);
      }
      ManagedChannel eventLoopChannel = setup.eventLoopChannel();
      try {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = setup.stub(setup.channel);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
            GRPCInferenceServiceGrpc.newStub(eventLoopChannel);
        ServerLiveRequest live = ServerLiveRequest.getDefaultInstance();
        List<String> names =
            List.of(
                "direct ONNX Runtime",
                "ModelInfer (async client)",
                "ModelInfer (blocking stub)",
                "ServerLive (blocking stub)",
                "ServerLive after an inference");
        List<Block> blocks =
            List.of(
                Block.of(image -> {}, image -> setup.direct(image, 1)),
                (all, first, times) -> setup.servedChain(async, all, first, times),
                Block.of(image -> {}, image -> setup.served(stub, image, 1)),
                Block.of(image -> {}, image -> stub.serverLive(live)),
                Block.of(image -> setup.direct(image, 1), image -> stub.serverLive(live)));
        double[][] millis = rotate(blocks, names, images, runs);
        double[] direct = millis[0];
        double[] served = millis[1];
        double[] paired = new double[runs / BLOCK];
        for (int b = 0; b < paired.length; b++) {
          paired[b] =
              Timing.percentile(Arrays.copyOfRange(served, b * BLOCK, (b + 1) * BLOCK), 50)
                  - Timing.percentile(Arrays.copyOfRange(direct, b * BLOCK, (b + 1) * BLOCK), 50);
        }
        System.out.printf(
            "round by round: median of the %d differences of block medians %.4f" + " ms%n",
            paired.length, Timing.percentile(paired, 50));
        System.out.printf(
            "blocking stub: median difference %.4f ms, the async client's plus"
                + " %.4f ms of hand-offs inside the client%n",
            Timing.percentile(millis[2], 50) - Timing.percentile(direct, 50),
            Timing.percentile(millis[2], 50) - Timing.percentile(served, 50));
        double difference = Timing.percentile(served, 50) - Timing.percentile(direct, 50);
        System.out.printf(
            "median difference %.4f ms, p90 difference %.4f ms; the bare round trip"
                + " takes %.4f ms warm and %.4f ms after an inference%n",
            difference,
            Timing.percentile(served, 90) - Timing.percentile(direct, 90),
            Timing.percentile(millis[3], 50),
            Timing.percentile(millis[4], 50));
        return new Bench.Result(
            difference, "ms (median ModelInfer - median direct, batch 1, async client)");
      } finally {
        eventLoopChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Median ModelInfer latency with TLS and a bearer token divided by the same call in plaintext
   * without a token, batch 1, in one run: what turning the security parts on costs a caller.
   *
   * <p>Two servers in this process serve copies of the same model: the {@link #overhead()} server
   * (plaintext, no token file) and one with TLS (an EC P-256 certificate of a CA made for the run)
   * and a token file, called with a viewer's token, so every call also passes the token check. Both
   * clients are {@link #overhead()}'s headline client (an asynchronous stub on a direct-executor
   * channel, each call made from the previous answer's callback), on their own connection. The two
   * take turns in blocks of {@value #BLOCK} calls, the first of a round alternating, after {@value
   * #WARMUP_CALLS} unmeasured calls each, as in {@link #overhead()}. The median over rounds of each
   * round's ratio of block medians is printed as a check.
   */
  static Bench.Result secureOverhead() throws Exception {
    int runs = 5000;
    try (Setup setup = Setup.create();
        SecureServer secure = setup.startSecure()) {
      float[][] images = new float[16][];
      for (int i = 0; i < images.length; i++) {
        images[i] = setup.images(i, 1);
      }
      ManagedChannel plainChannel = setup.eventLoopChannel();
      ManagedChannel secureChannel = setup.secureEventLoopChannel(secure);
      try {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + secure.token());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub plain =
            GRPCInferenceServiceGrpc.newStub(plainChannel);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub tls =
            GRPCInferenceServiceGrpc.newStub(secureChannel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        List<String> names =
            List.of("ModelInfer plaintext, no token", "ModelInfer TLS + bearer token");
        List<Block> blocks =
            List.of(
                (all, first, times) -> setup.servedChain(plain, all, first, times),
                (all, first, times) -> setup.servedChain(tls, all, first, times));
        double[][] millis = rotate(blocks, names, images, runs);
        double[] paired = new double[runs / BLOCK];
        for (int b = 0; b < paired.length; b++) {
          paired[b] =
              Timing.percentile(Arrays.copyOfRange(millis[1], b * BLOCK, (b + 1) * BLOCK), 50)
                  / Timing.percentile(
                      Arrays.copyOfRange(millis[0], b * BLOCK, (b + 1) * BLOCK), 50);
        }
        double plainMedian = Timing.percentile(millis[0], 50);
        double secureMedian = Timing.percentile(millis[1], 50);
        System.out.printf(
            "round by round: median of the %d ratios of block medians %.4f%n",
            paired.length, Timing.percentile(paired, 50));
        System.out.printf(
            "median %.4f ms with TLS and a token, %.4f ms plaintext: %.4f ms more;"
                + " p90 ratio %.4f%n",
            secureMedian,
            plainMedian,
            secureMedian - plainMedian,
            Timing.percentile(millis[1], 90) / Timing.percentile(millis[0], 90));
        return new Bench.Result(
            secureMedian / plainMedian,
            "x (median ModelInfer with TLS and a token / plaintext without, batch 1)");
      } finally {
        plainChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        secureChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** The TLS server of {@link #secureOverhead()}, its credentials, CA and a viewer's token. */
  private record SecureServer(EnasServer server, TlsCredentials tls, Path ca, String token)
      implements AutoCloseable {
    @Override
    public void close() {
      server.close();
      tls.close();
    }
  }

  /**
   * Runs {@code blocks} of {@link #BLOCK} calls each, rotating which kind goes first in each round,
   * until every kind has made {@link #WARMUP_CALLS} unmeasured and {@code runs} measured calls;
   * prints each kind's summary and process CPU per call. Answers each kind's call times in ms.
   */
  private static double[][] rotate(
      List<Block> blocks, List<String> names, float[][] images, int runs) throws Exception {
    int kinds = blocks.size();
    double[][] millis = new double[kinds][runs];
    long[] cpu = new long[kinds];
    int[] done = new int[kinds];
    long[] nanos = new long[BLOCK];
    int rounds = (WARMUP_CALLS + runs) / BLOCK;
    for (int round = 0; round < rounds; round++) {
      for (int turn = 0; turn < kinds; turn++) {
        int kind = (round + turn) % kinds;
        long cpuBefore = processCpuNanos();
        blocks.get(kind).run(images, done[kind], nanos);
        for (int k = 0; k < BLOCK; k++) {
          int index = done[kind]++;
          if (index >= WARMUP_CALLS) {
            millis[kind][index - WARMUP_CALLS] = nanos[k] / 1e6;
          }
        }
        if (done[kind] > WARMUP_CALLS) {
          cpu[kind] += processCpuNanos() - cpuBefore;
        }
      }
    }
    for (int kind = 0; kind < kinds; kind++) {
      System.out.printf(
          "%-32s %s; process CPU %.4f ms per call%n",
          names.get(kind) + ":", Timing.summary(millis[kind]), cpu[kind] / 1e6 / runs);
    }
    return millis;
  }

  /** {@value #BLOCK} calls of one kind in a row, in {@link #overhead()}. */
  @FunctionalInterface
  private interface Block {
    /**
     * Makes the calls numbered {@code first} on, each on {@code images[number % length]}, and
     * stores how long each took in {@code nanos}.
     */
    void run(float[][] images, int first, long[] nanos) throws Exception;

    /** Calls made one after the other on this thread, each after an unmeasured {@code before}. */
    static Block of(ImageCall before, ImageCall timed) {
      return (images, first, nanos) -> {
        for (int k = 0; k < nanos.length; k++) {
          float[] image = images[(first + k) % images.length];
          before.run(image);
          long t0 = System.nanoTime();
          timed.run(image);
          nanos[k] = System.nanoTime() - t0;
        }
      };
    }
  }

  /** One call on one image. */
  @FunctionalInterface
  private interface ImageCall {
    void run(float[] image) throws Exception;
  }

  /** Calls of one kind in a row, in {@link #overhead()}. */
  private static final int BLOCK = 20;

  /** Unmeasured calls of each kind before {@link #overhead()} measures. */
  private static final int WARMUP_CALLS = 12_000;

  /**
   * Images per second through ModelInfer with 8 clients (one channel each, blocking calls of 32
   * images) divided by images per second of 8 threads calling the session directly with the same
   * batches. Windows of each alternate, after a warm-up window of each.
   *
   * <p>Each window also reports the CPU time this process spent per image (every thread: clients,
   * transport, server, ONNX Runtime) and how many cores it kept busy. On a machine shared with
   * other work the two sides need not get the same share of the cores (8 direct threads can
   * outweigh the server's few inference threads, enas.serving.threads, in the kernel's scheduler),
   * so the images/s ratio can move with the load; the CPU per image is what each path costs
   * whatever the share, and its ratio is the figure to compare across machines and loads.
   */
  static Bench.Result throughput() throws Exception {
    int clients = 8;
    int batch = 32;
    int rounds = 3;
    Duration window = Duration.ofSeconds(6);
    try (Setup setup = Setup.create()) {
      float[] images = setup.images(0, batch);
      List<ManagedChannel> channels = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        channels.add(setup.newChannel());
      }
      try {
        List<Call> direct = new ArrayList<>();
        List<Call> served = new ArrayList<>();
        for (ManagedChannel channel : channels) {
          GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = setup.stub(channel);
          direct.add(() -> setup.direct(images, batch));
          served.add(() -> setup.served(stub, images, batch));
        }
        imagesPerSecond(direct, batch, Duration.ofSeconds(2));
        imagesPerSecond(served, batch, Duration.ofSeconds(2));
        Window directTotal = new Window(0, 0, 0);
        Window servedTotal = new Window(0, 0, 0);
        for (int round = 0; round < rounds; round++) {
          Window d = imagesPerSecond(direct, batch, window);
          Window s = imagesPerSecond(served, batch, window);
          System.out.printf(
              "round %d: direct %s; ModelInfer %s; ratio %.3f%n", round, d, s, s.rate() / d.rate());
          directTotal = directTotal.plus(d);
          servedTotal = servedTotal.plus(s);
        }
        double directRate = directTotal.rate();
        double servedRate = servedTotal.rate();
        System.out.printf(
            "total: direct %s; ModelInfer %s (%d clients, batch %d, %d windows of"
                + " %d s each)%n",
            directTotal, servedTotal, clients, batch, rounds, window.toSeconds());
        System.out.printf(
            "CPU per image: ModelInfer / direct = %.3f, so with the cores to"
                + " itself the server would reach about %.3f of direct's images/s%n",
            servedTotal.cpuPerImage() / directTotal.cpuPerImage(),
            directTotal.cpuPerImage() / servedTotal.cpuPerImage());
        return new Bench.Result(
            servedRate / directRate,
            "x (ModelInfer images/s / direct images/s, 8 clients, batch 32)");
      } finally {
        for (ManagedChannel channel : channels) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** One blocking call of a batch. */
  @FunctionalInterface
  private interface Call {
    void run() throws Exception;
  }

  /**
   * Images finished in a window, the seconds it took until the last call returned, and the CPU
   * seconds the whole process used meanwhile.
   */
  private record Window(long images, double seconds, double cpuSeconds) {
    double rate() {
      return images / seconds;
    }

    double cpuPerImage() {
      return cpuSeconds / images;
    }

    Window plus(Window other) {
      return new Window(
          images + other.images, seconds + other.seconds, cpuSeconds + other.cpuSeconds);
    }

    @Override
    public String toString() {
      return String.format(
          "%.1f images/s, %.2f cores busy, %.3f ms CPU per image",
          rate(), cpuSeconds / seconds, 1000 * cpuPerImage());
    }
  }

  /**
   * Runs each call on a thread of its own, repeatedly, until {@code window} has passed; every
   * thread finishes the call it is in, and the window ends when the last one returns.
   */
  private static Window imagesPerSecond(List<Call> calls, int batch, Duration window)
      throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    long[] done = new long[calls.size()];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long[] startedAt = new long[1];
    for (int t = 0; t < calls.size(); t++) {
      int index = t;
      Call call = calls.get(t);
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  long deadline = startedAt[0] + window.toNanos();
                  while (System.nanoTime() < deadline) {
                    call.run();
                    done[index]++;
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              },
              "bench-client-" + t);
      threads.add(thread);
      thread.start();
    }
    long cpuBefore = processCpuNanos();
    startedAt[0] = System.nanoTime();
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - startedAt[0]) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
    if (failure.get() != null) {
      throw new IllegalStateException("a benchmark call failed", failure.get());
    }
    long finished = 0;
    for (long d : done) {
      finished += d;
    }
    return new Window(finished * batch, seconds, cpuSeconds);
  }

  /** CPU time of every thread of this process so far, as the kernel counts it. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * A trained, exported child in a temporary model repository, an enas server on a loopback port
   * serving it, and an ONNX Runtime session of the same file. Owns all of them (and the session's
   * native memory); {@link #close()} releases them and deletes the folder.
   */
  private static final class Setup implements AutoCloseable {
    private final Path folder;
    private final EnasServer server;
    private final ClientLoops clientLoops;
    private final ManagedChannel channel;
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final ImageDataset test;
    private final Config config;

    private Setup(
        Path folder,
        EnasServer server,
        ClientLoops clientLoops,
        ManagedChannel channel,
        OrtSession session,
        ImageDataset test,
        Config config) {
      this.config = config;
      this.folder = folder;
      this.server = server;
      this.clientLoops = clientLoops;
      this.channel = channel;
      this.session = session;
      this.test = test;
    }

    static Setup create() throws Exception {
      Path folder = Files.createTempDirectory("enas-infer-bench");
      ImageDataset test = EmbeddedData.fashionMnistTest();
      byte[] model = trainedChild();
      Path version = Files.createDirectories(folder.resolve("models").resolve(MODEL).resolve("1"));
      Files.write(version.resolve(ModelRepository.MODEL_FILE), model);
      System.out.printf("model: %s, %,d bytes of ONNX%n", ARCHITECTURE, model.length);

      Config config =
          ConfigFactory.load()
              .withValue("enas.http.port", ConfigValueFactory.fromAnyRef(0))
              .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(folder.toString()))
              .withValue(
                  "enas.serving.repository",
                  ConfigValueFactory.fromAnyRef(folder.resolve("models").toString()))
              .withValue("enas.serving.scan-interval", ConfigValueFactory.fromAnyRef("0s"));
      ServingSettings serving = ServingSettings.fromConfig(config.getConfig("enas"));
      System.out.printf(
          "serving: %d inference threads, %d intra-op thread(s) each, queue %d,"
              + " requests up to %,d bytes on the transport thread%n",
          serving.threads(), serving.intraOpThreads(), serving.queue(), serving.inlineMaxBytes());
      System.out.printf(
          "JVM: collectors %s, max heap %,d MiB%n",
          ManagementFactory.getGarbageCollectorMXBeans().stream()
              .map(bean -> bean.getName())
              .toList(),
          Runtime.getRuntime().maxMemory() >> 20);
      EnasServer server =
          EnasServer.start(
              config, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
      ClientLoops clientLoops = new ClientLoops();
      ManagedChannel channel = null;
      OrtSession session = null;
      try {
        channel = clientLoops.channelTo(server.port()).build();
        if (!GRPCInferenceServiceGrpc.newBlockingStub(channel)
            .modelReady(ModelReadyRequest.newBuilder().setName(MODEL).build())
            .getReady()) {
          throw new IllegalStateException("the server does not serve " + MODEL);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
          // The server's options (SessionLoader), so both sides run the graph alike.
          if (serving.intraOpThreads() > 0) {
            options.setIntraOpNumThreads(serving.intraOpThreads());
          }
          options.setInterOpNumThreads(1);
          options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
          session = OrtEnvironment.getEnvironment().createSession(model, options);
        }
        Setup setup = new Setup(folder, server, clientLoops, channel, session, test, config);
        setup.checkBothAgree();
        return setup;
      } catch (Exception | Error e) {
        if (session != null) {
          session.close();
        }
        if (channel != null) {
          channel.shutdownNow();
        }
        clientLoops.close();
        server.close();
        throw e;
      }
    }

    /**
     * A second server in this process serving a copy of the same model, with TLS on its port (a
     * certificate of a CA made in the folder) and a token file holding one viewer's token; the
     * caller closes it, then {@code tls}.
     */
    SecureServer startSecure() throws IOException {
      Path dir = folder.resolve("secure");
      BenchCertificates certificates = BenchCertificates.create(dir.resolve("tls"));
      Path models = dir.resolve("models");
      Path version = Files.createDirectories(models.resolve(MODEL).resolve("1"));
      Files.copy(
          folder.resolve("models").resolve(MODEL).resolve("1").resolve(ModelRepository.MODEL_FILE),
          version.resolve(ModelRepository.MODEL_FILE));
      Path tokens = dir.resolve("tokens");
      String token = TokenStore.add(tokens, "bench", Role.VIEWER);
      Config secure =
          config
              .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dir.toString()))
              .withValue(
                  "enas.serving.repository", ConfigValueFactory.fromAnyRef(models.toString()))
              .withValue(
                  "enas.security.tokens-file", ConfigValueFactory.fromAnyRef(tokens.toString()));
      TlsCredentials tls =
          TlsCredentials.load(
              new TlsSettings(
                  certificates.serverCertificate(),
                  certificates.serverKey(),
                  null,
                  Duration.ofMinutes(1)));
      try {
        EnasServer server =
            EnasServer.start(
                secure,
                NettyServerBuilder.forAddress(
                    new InetSocketAddress("127.0.0.1", 0), tls.credentials()));
        return new SecureServer(server, tls, certificates.ca(), token);
      } catch (IOException | RuntimeException e) {
        tls.close();
        throw e;
      }
    }

    /**
     * A channel to {@code secure} that trusts its CA and whose callbacks run on gRPC's event-loop
     * thread; the caller shuts it down.
     */
    ManagedChannel secureEventLoopChannel(SecureServer secure) throws IOException {
      return clientLoops
          .channelTo(
              secure.server().port(),
              TlsChannelCredentials.newBuilder().trustManager(secure.ca().toFile()).build())
          .directExecutor()
          .build();
    }

    /** A new plaintext channel to the server; the caller shuts it down. */
    ManagedChannel newChannel() {
      return clientLoops.channelTo(server.port()).build();
    }

    /**
     * A new plaintext channel whose callbacks run on gRPC's event-loop thread, for clients that
     * never block; the caller shuts it down.
     */
    ManagedChannel eventLoopChannel() {
      return clientLoops.channelTo(server.port()).directExecutor().build();
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(ManagedChannel on) {
      return GRPCInferenceServiceGrpc.newBlockingStub(on);
    }

    /** {@code count} test images from {@code first} on, pixels scaled to [0, 1]. */
    float[] images(int first, int count) {
      int size = test.imageSize();
      float[] out = new float[count * size];
      ByteBuffer pixels = test.pixelBuffer();
      for (int i = 0; i < out.length; i++) {
        out[i] = (pixels.get(first * size + i) & 0xff) / 255f;
      }
      return out;
    }

    private long[] shape(int batch) {
      return new long[] {batch, test.channels(), test.height(), test.width()};
    }

    /** The probabilities from the session itself. */
    float[] direct(float[] images, int batch) throws OrtException {
      try (OnnxTensor input =
              OnnxTensor.createTensor(environment, FloatBuffer.wrap(images), shape(batch));
          OrtSession.Result result =
              session.run(Map.of(OnnxExporter.INPUT, input), Set.of(OnnxExporter.PROBABILITIES))) {
        FloatBuffer probabilities = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] out = new float[probabilities.remaining()];
        probabilities.get(out);
        return out;
      }
    }

    /** The probabilities through ModelInfer, the pixels sent as raw_input_contents. */
    float[] served(
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, float[] images, int batch) {
      return RawContents.toFloats(stub.modelInfer(request(images, batch)).getRawOutputContents(0));
    }

    /**
     * {@code nanos.length} ModelInfer calls of one image each, numbered from {@code first}, each
     * made from the callback that received the answer before (so on the channel's event loop when
     * the channel has a direct executor); returns when the last answer is in.
     */
    void servedChain(
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async,
        float[][] images,
        int first,
        long[] nanos)
        throws InterruptedException {
      CountDownLatch finished = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      final class Chain implements StreamObserver<ModelInferResponse> {
        private int call;
        private long start;
        private float[] answer;

        void next() {
          start = System.nanoTime();
          async.modelInfer(request(images[(first + call) % images.length], 1), this);
        }

        @Override
        public void onNext(ModelInferResponse response) {
          answer = RawContents.toFloats(response.getRawOutputContents(0));
        }

        @Override
        public void onError(Throwable t) {
          failure.set(t);
          finished.countDown();
        }

        @Override
        public void onCompleted() {
          nanos[call] = System.nanoTime() - start;
          if (answer == null || answer.length == 0) {
            onError(new IllegalStateException("ModelInfer answered no probabilities"));
          } else if (++call < nanos.length) {
            next();
          } else {
            finished.countDown();
          }
        }
      }
      new Chain().next();
      if (!finished.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("a chain of ModelInfer calls did not finish in 60 s");
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a ModelInfer call failed", failure.get());
      }
    }

    /** A ModelInfer request for the probabilities of {@code batch} images as raw contents. */
    private ModelInferRequest request(float[] images, int batch) {
      ModelInferRequest.InferInputTensor.Builder input =
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(OnnxExporter.INPUT)
              .setDatatype("FP32");
      for (long dim : shape(batch)) {
        input.addShape(dim);
      }
      return ModelInferRequest.newBuilder()
          .setModelName(MODEL)
          .addInputs(input)
          .addRawInputContents(RawContents.ofFloats(images))
          .addOutputs(
              ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                  .setName(OnnxExporter.PROBABILITIES))
          .build();
    }

    /** Both paths must compute the same thing, or the comparison means nothing. */
    private void checkBothAgree() throws OrtException {
      float[] images = images(0, 32);
      float[] a = direct(images, 32);
      float[] b = served(stub(channel), images, 32);
      if (a.length != b.length) {
        throw new IllegalStateException(
            "direct gave " + a.length + " values, ModelInfer " + b.length);
      }
      for (int i = 0; i < a.length; i++) {
        if (Math.abs(a[i] - b[i]) > 1e-6) {
          throw new IllegalStateException(
              "direct and ModelInfer differ at " + i + ": " + a[i] + " vs " + b[i]);
        }
      }
    }

    @Override
    public void close() throws Exception {
      try {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        clientLoops.close();
        server.close();
        session.close();
      } finally {
        try (Stream<Path> paths = Files.walk(folder)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    }
  }

  /**
   * The clients' own event-loop threads. A client in another process has its own, but in one
   * process gRPC's channels and servers share a default group of event loops, so a client's
   * connection and the server's end of it could land on the same thread and take turns on it: a
   * cost of the benchmark's setup, not of serving. (On dev-2c the change was within the spread
   * between runs; it keeps the setup what a separate client would be.)
   */
  private static final class ClientLoops implements AutoCloseable {
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;

    ClientLoops() {
      // gRPC's default size for a client's group: two threads per core.
      int threads = 2 * Runtime.getRuntime().availableProcessors();
      ThreadFactory daemons = new DefaultThreadFactory("bench-client-loop", true);
      if (Epoll.isAvailable()) {
        group = new MultiThreadIoEventLoopGroup(threads, daemons, EpollIoHandler.newFactory());
        channelType = EpollSocketChannel.class;
      } else {
        group = new MultiThreadIoEventLoopGroup(threads, daemons, NioIoHandler.newFactory());
        channelType = NioSocketChannel.class;
      }
    }

    /** A plaintext channel to the loopback port on these loops. */
    NettyChannelBuilder channelTo(int port) {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .usePlaintext()
          .eventLoopGroup(group)
          .channelType(channelType);
    }

    /** A channel with {@code credentials} (TLS) to the loopback port on these loops. */
    NettyChannelBuilder channelTo(int port, ChannelCredentials credentials) {
      return NettyChannelBuilder.forAddress("127.0.0.1", port, credentials)
          .eventLoopGroup(group)
          .channelType(channelType);
    }

    @Override
    public void close() {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * The benchmark's child as an ONNX model: built at the demo's retraining size, trained for a few
   * steps on the embedded data (so batch norm holds real running statistics) and exported as a
   * search exports.
   */
  private static byte[] trainedChild() throws IOException {
    ImageDataset train = EmbeddedData.fashionMnistTrain();
    ImageDataset test = EmbeddedData.fashionMnistTest();
    Normalization normalization = Normalization.compute(train);
    Architecture child = SearchSpaces.parse(ARCHITECTURE);
    NetworkSpec spec =
        new NetworkSpec(
            6, 24, train.numClasses(), train.channels(), train.height(), train.width(), 0f, true);
    try (StandaloneNetwork network =
            StandaloneNetwork.create(child, spec, SgdSettings.macroDefaults(), 1);
        BatchIterator batches =
            BatchIterator.builder(train, 64, normalization)
                .seed(1)
                .endless()
                .dropLast(true)
                .build()) {
      long t0 = System.nanoTime();
      for (int step = 0; step < TRAINING_STEPS; step++) {
        Batch b = batches.next();
        network.trainStep(b.images(), b.labels(), 0.05);
      }
      double accuracy = accuracy(network, test, normalization);
      System.out.printf(
          "trained %d steps in %.1f s: test accuracy %.4f, %,d parameters%n",
          TRAINING_STEPS,
          (System.nanoTime() - t0) / 1e9,
          accuracy,
          network.trainableParameterCount());
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(ModelMetadata.SEARCH_ID, MODEL);
      metadata.put(ModelMetadata.SEED, "1");
      metadata.put(ModelMetadata.SPEC, SpecJson.print(SearchSpec.demo()));
      metadata.put(ModelMetadata.DATASET, "fashion-mnist");
      metadata.put(ModelMetadata.TEST_ACCURACY, Double.toString(accuracy));
      metadata.put(ModelMetadata.BUILD_VERSION, "bench");
      return OnnxExporter.toBytes(
          OnnxExporter.export(network, normalization, train.classNames(), metadata));
    }
  }

  private static double accuracy(
      StandaloneNetwork network, ImageDataset data, Normalization normalization) {
    long correct = 0;
    try (BatchIterator it =
        BatchIterator.builder(data, 100, normalization).shuffle(false).build()) {
      while (it.hasNext()) {
        Batch b = it.next();
        correct += Math.round(network.evaluate(b.images(), b.labels()) * b.size());
      }
    }
    return (double) correct / data.size();
  }
}
