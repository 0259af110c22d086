package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelReadyRequest;
import dev.enas.proto.inference.ServerLiveRequest;
import dev.enas.proto.inference.ServerMetadataRequest;
import dev.enas.proto.inference.ServerReadyRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import dev.enas.server.serving.TestModels;
import dev.enas.spec.SearchSpec;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of generated requests to every RPC of both gRPC services of a real server on a loopback
 * port, while a real small search runs on it: boundary and random field values, oversized strings
 * and repeated fields, valid requests with a few fields changed, random and damaged bytes as the
 * body (sent through a raw call with a bytes marshaller on the real method names), and streams
 * opened and abandoned, with no token, a bad one, a viewer's and another operator's. Every answer
 * must be a canonical status other than INTERNAL and UNKNOWN (which would be our bugs), the server
 * must stay up, its heap bounded, and the search must finish with its complete, contiguous event
 * stream.
 *
 * <p>The generator is seeded; the seed is printed, and {@code -Denas.fuzz.seed=N} replays a run
 * ({@code -Denas.fuzz.requests=N} changes the count).
 */
@Tag("slow")
class RpcFuzzTest {
  /** Codes that mean the server failed rather than refused. */
  private static final Set<Status.Code> SERVER_FAULTS =
      Set.of(
          Status.Code.INTERNAL,
          Status.Code.UNKNOWN,
          Status.Code.DATA_LOSS,
          Status.Code.UNIMPLEMENTED);

  /** Used heap after GC at the end, as a multiple of the same at the start, at most. */
  private static final double HEAP_FACTOR = 2.0;

  private static final int IN_FLIGHT = 8;
  private static final int SEARCH_EPOCHS = 16;
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  @TempDir Path dataDir;

  /** One RPC as the fuzzer calls it: its raw form, request type and a valid request. */
  private record Target(MethodDescriptor<byte[], byte[]> raw, Message prototype, Message template) {
    String name() {
      return raw.getFullMethodName();
    }

    boolean streaming() {
      return raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    }
  }

  /** The statuses one RPC answered, and the faults with the request that caused them. */
  private static final class Tally {
    final Map<String, Map<Status.Code, Integer>> codes = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> abandoned = new ConcurrentHashMap<>();
    final List<String> faults = Collections.synchronizedList(new ArrayList<>());

    void record(String method, Status.Code code) {
      codes
          .computeIfAbsent(
              method, m -> Collections.synchronizedMap(new EnumMap<>(Status.Code.class)))
          .merge(code, 1, Integer::sum);
    }
  }

  @Test
  void generatedRequestsToEveryRpcGetCanonicalStatusesWhileASearchRunsToItsEnd() throws Exception {
    long seed = Long.getLong("enas.fuzz.seed", System.nanoTime());
    int requests = Integer.getInteger("enas.fuzz.requests", 3_000);
    System.out.printf(
        "RpcFuzzTest seed %d (replay: -Denas.fuzz.seed=%d), %d requests%n", seed, seed, requests);

    Path tokens = dataDir.resolve("security/tokens");
    String alice = TokenStore.add(tokens, "alice", Role.OPERATOR);
    String mallory = TokenStore.add(tokens, "mallory", Role.OPERATOR);
    String eve = TokenStore.add(tokens, "eve", Role.VIEWER);
    try (EnasServer server =
        LoopbackServers.start(
            LoopbackServers.config(dataDir)
                .withValue(
                    "enas.security.tokens-file", ConfigValueFactory.fromAnyRef(tokens.toString()))
                .withValue("enas.limits.memory", ConfigValueFactory.fromAnyRef("1GiB")))) {
      server
          .models()
          .publish(
              "fashion",
              TestModels.Classifier.of(3, 43).bytes(),
              Map.of("search_id", "hand-placed"));
      ManagedChannel channel = LoopbackServers.channel(server);
      ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
      try {
        SearchServiceGrpc.SearchServiceBlockingStub owner =
            SearchServiceGrpc.newBlockingStub(channel).withInterceptors(bearer(alice));
        // The smoke search with more shared-training epochs, so that it runs through most of
        // the fuzzing on this machine (seconds per epoch).
        dev.enas.proto.v1.SearchSpec smoke = SpecMapper.toWire(SearchSpec.smoke("macro", 5));
        Search running =
            owner.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSpec(
                        smoke.toBuilder()
                            .setShared(smoke.getShared().toBuilder().setEpochs(SEARCH_EPOCHS)))
                    .build());
        List<SearchEvent> events = Collections.synchronizedList(new ArrayList<>());
        Thread watcher =
            new Thread(
                () -> {
                  Iterator<SearchEvent> it =
                      owner
                          .withDeadlineAfter(10, TimeUnit.MINUTES)
                          .watchSearch(
                              WatchSearchRequest.newBuilder().setSearchId(running.getId()).build());
                  it.forEachRemaining(events::add);
                },
                "fuzz-watcher");
        watcher.start();
        long heapBefore = usedHeapAfterGc();

        List<Target> targets = targets(running.getId());
        RequestFuzzer fuzzer =
            new RequestFuzzer(
                seed,
                List.of(
                    running.getId(),
                    "fashion",
                    "idx:mnist",
                    "ptb:ptb",
                    "embedded",
                    "../../etc",
                    "/etc/passwd",
                    "idx:/etc",
                    "ptb:../..",
                    "FP32",
                    "INT64",
                    "BYTES",
                    "image",
                    "probabilities",
                    "1",
                    "0",
                    "-1",
                    "99999999999999999999",
                    "\u0000",
                    "a/b",
                    ".",
                    "..",
                    "%s%n",
                    "\ud83d\ude00"));
        List<Metadata> identities =
            List.of(
                new Metadata(),
                header("Bearer wrong"),
                header("Basic " + alice),
                header("Bearer " + "t".repeat(6_000)),
                header("Bearer " + eve),
                header("Bearer " + mallory));
        int[] identityWeights = {10, 5, 3, 2, 30, 50};

        Tally tally = new Tally();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        int sent = 0;
        int duringSearch = 0;
        // At least the requested count, and on until the search has ended, so that fuzzing
        // covers its whole run (for three minutes at most).
        long fuzzUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (sent < requests || watcher.isAlive() && System.nanoTime() < fuzzUntil) {
          Target target = targets.get(sent % targets.size());
          Metadata headers = identities.get(weighted(fuzzer, identityWeights));
          inFlight.acquire();
          send(channel, target, fuzzer, headers, tally, inFlight, timers, sent);
          sent++;
          if (watcher.isAlive()) {
            duringSearch++;
          }
        }
        inFlight.acquire(IN_FLIGHT);
        inFlight.release(IN_FLIGHT);
        watcher.join(TimeUnit.MINUTES.toMillis(10));

        print(tally, sent, duringSearch);
        assertThat(tally.faults).as("faults (seed %d)", seed).isEmpty();
        for (Target target : targets) {
          int answered =
              tally.codes.getOrDefault(target.name(), Map.of()).values().stream()
                      .mapToInt(Integer::intValue)
                      .sum()
                  + tally.abandoned.getOrDefault(target.name(), new AtomicInteger()).get();
          assertThat(answered).as(target.name()).isGreaterThanOrEqualTo(requests / targets.size());
        }

        // The search, untouched by another operator's cancels and deletes, ran to its end.
        assertThat(watcher.isAlive()).isFalse();
        assertThat(events).isNotEmpty();
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).getSequence()).as("event %d", i).isEqualTo(i);
        }
        assertThat(events.get(events.size() - 1).hasFinished())
            .as(events.get(events.size() - 1).toString())
            .isTrue();
        Search done =
            owner.getSearch(GetSearchRequest.newBuilder().setSearchId(running.getId()).build());
        assertThat(done.getEventCount()).isEqualTo(events.size());

        // The server is up and serving.
        assertThat(
                HealthGrpc.newBlockingStub(channel)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(owner.listDatasets(ListDatasetsRequest.getDefaultInstance()).getDatasetsCount())
            .isPositive();

        long heapAfter = usedHeapAfterGc();
        System.out.printf(
            "RpcFuzzTest used heap after GC: %.1f MiB at the start, %.1f MiB at"
                + " the end (at most %.1fx)%n",
            heapBefore / 1048576.0, heapAfter / 1048576.0, HEAP_FACTOR);
        assertThat((double) heapAfter)
            .as("used heap after GC at the end, bytes")
            .isLessThanOrEqualTo(HEAP_FACTOR * heapBefore);
      } finally {
        timers.shutdownNow();
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * One request: a generated message (45%), a valid one with a few fields changed (25%), random
   * bytes (10%), a valid one damaged (8%), or a valid call abandoned (12%): for a unary RPC sent
   * without its end, for a stream after its first message, then cancelled a moment later.
   */
  private static void send(
      ManagedChannel channel,
      Target target,
      RequestFuzzer fuzzer,
      Metadata headers,
      Tally tally,
      Semaphore inFlight,
      ScheduledExecutorService timers,
      int index) {
    int mode = fuzzer.random().nextInt(100);
    byte[] body;
    String kind;
    if (mode < 45) {
      body = fuzzer.message(target.prototype().getDescriptorForType(), 3).toByteArray();
      kind = "generated";
    } else if (mode < 70) {
      body = fuzzer.mutate(target.template()).toByteArray();
      kind = "mutated";
    } else if (mode < 80) {
      body = fuzzer.randomBody();
      kind = "random bytes";
    } else if (mode < 88) {
      body = fuzzer.damage(target.template().toByteArray());
      kind = "damaged";
    } else {
      body = target.template().toByteArray();
      kind = "abandoned";
    }
    boolean abandon = kind.equals("abandoned");
    long abandonAfterMillis = fuzzer.random().nextInt(50);
    String request =
        String.format("request %d (%s, %d bytes) to %s", index, kind, body.length, target.name());
    ClientCall<byte[], byte[]> call =
        channel.newCall(target.raw(), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    AtomicInteger received = new AtomicInteger();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            // A stream is read only so far: a watch of a running search would not end by itself.
            if (received.incrementAndGet() >= 16 || abandon) {
              call.cancel("the fuzzer stops reading", null);
            } else {
              call.request(1);
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            try {
              boolean ours =
                  status.getCode() == Status.Code.CANCELLED
                          && "the fuzzer stops reading".equals(status.getDescription())
                      || (abandon && status.getCode() == Status.Code.CANCELLED);
              if (ours) {
                tally
                    .abandoned
                    .computeIfAbsent(target.name(), m -> new AtomicInteger())
                    .incrementAndGet();
                return;
              }
              tally.record(target.name(), status.getCode());
              if (SERVER_FAULTS.contains(status.getCode())) {
                tally.faults.add(request + ": " + status);
              }
            } finally {
              inFlight.release();
            }
          }
        },
        headers);
    call.request(1);
    call.sendMessage(body);
    if (abandon) {
      if (target.streaming()) {
        call.halfClose();
      }
      timers.schedule(
          () -> call.cancel("abandoned", null), abandonAfterMillis, TimeUnit.MILLISECONDS);
    } else {
      call.halfClose();
    }
  }

  private static List<Target> targets(String searchId) {
    Map<String, Message> templates = new LinkedHashMap<>();
    String search = "enas.v1.SearchService/";
    templates.put(
        search + "CreateSearch",
        CreateSearchRequest.newBuilder()
            .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 9)))
            .setValidateOnly(true)
            .build());
    templates.put(
        search + "GetSearch", GetSearchRequest.newBuilder().setSearchId(searchId).build());
    templates.put(
        search + "ListSearches", ListSearchesRequest.newBuilder().setPageSize(10).build());
    templates.put(
        search + "CancelSearch",
        dev.enas.proto.v1.CancelSearchRequest.newBuilder()
            .setSearchId(searchId)
            .setReason("fuzz")
            .build());
    templates.put(
        search + "WatchSearch",
        WatchSearchRequest.newBuilder().setSearchId(searchId).setFromSequence(2).build());
    templates.put(
        search + "GetArchitecture",
        GetArchitectureRequest.newBuilder().setSearchId(searchId).setIndex(0).build());
    templates.put(
        search + "ListArchitectures",
        ListArchitecturesRequest.newBuilder().setSearchId(searchId).setPageSize(5).build());
    templates.put(
        search + "DownloadModel", DownloadModelRequest.newBuilder().setSearchId(searchId).build());
    templates.put(
        search + "DeleteSearch", DeleteSearchRequest.newBuilder().setSearchId(searchId).build());
    templates.put(search + "ListDatasets", ListDatasetsRequest.getDefaultInstance());
    templates.put(
        search + "PauseSearch", PauseSearchRequest.newBuilder().setSearchId(searchId).build());
    templates.put(
        search + "ResumeSearch", ResumeSearchRequest.newBuilder().setSearchId(searchId).build());
    String inference = "inference.GRPCInferenceService/";
    templates.put(inference + "ServerLive", ServerLiveRequest.getDefaultInstance());
    templates.put(inference + "ServerReady", ServerReadyRequest.getDefaultInstance());
    templates.put(inference + "ServerMetadata", ServerMetadataRequest.getDefaultInstance());
    templates.put(
        inference + "ModelReady", ModelReadyRequest.newBuilder().setName("fashion").build());
    templates.put(
        inference + "ModelMetadata", ModelMetadataRequest.newBuilder().setName("fashion").build());
    templates.put(
        inference + "ModelInfer",
        ModelInferRequest.newBuilder()
            .setModelName("fashion")
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("image")
                    .setDatatype("FP32")
                    .addShape(1)
                    .addShape(1)
                    .addShape(4)
                    .addShape(4))
            .addRawInputContents(ByteString.copyFrom(new byte[4 * TestModels.PIXELS]))
            .build());

    List<Target> targets = new ArrayList<>();
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    methods.addAll(SearchServiceGrpc.getServiceDescriptor().getMethods());
    methods.addAll(GRPCInferenceServiceGrpc.getServiceDescriptor().getMethods());
    for (MethodDescriptor<?, ?> method : methods) {
      Message template = templates.get(method.getFullMethodName());
      assertThat(template).as("a valid request of %s", method.getFullMethodName()).isNotNull();
      Message prototype =
          (Message)
              ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                  .getMessagePrototype();
      targets.add(
          new Target(
              MethodDescriptor.<byte[], byte[]>newBuilder()
                  .setType(method.getType())
                  .setFullMethodName(method.getFullMethodName())
                  .setRequestMarshaller(BYTES)
                  .setResponseMarshaller(BYTES)
                  .build(),
              prototype,
              template));
    }
    assertThat(targets).hasSize(templates.size());
    return targets;
  }

  private static void print(Tally tally, int sent, int duringSearch) {
    System.out.printf("RpcFuzzTest: %d requests, %d while the search ran%n", sent, duringSearch);
    for (Map.Entry<String, Map<Status.Code, Integer>> e : new TreeMap<>(tally.codes).entrySet()) {
      System.out.printf(
          "  %-45s %s, abandoned %d%n",
          e.getKey(),
          e.getValue(),
          tally.abandoned.getOrDefault(e.getKey(), new AtomicInteger()).get());
    }
    tally.faults.stream().limit(20).forEach(f -> System.out.println("  FAULT " + f));
  }

  private static int weighted(RequestFuzzer fuzzer, int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int r = fuzzer.random().nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return i;
      }
    }
    throw new AssertionError();
  }

  private static Metadata header(String authorization) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
    return headers;
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    return MetadataUtils.newAttachHeadersInterceptor(header("Bearer " + token));
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
