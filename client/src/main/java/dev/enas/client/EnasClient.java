package dev.enas.client;

import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataRequest;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.Dataset;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchSpec;
import dev.enas.proto.v1.SearchState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A blocking client of {@code enas.v1.SearchService} and of the models the server serves over the
 * Open Inference Protocol (KServe v2) on the same port: every call returns the proto message or
 * throws an {@link EnasException}, list calls come with iterators over all pages, and watches
 * reconnect on their own when the server cuts them, without a gap or a duplicate.
 *
 * <pre>{@code
 * try (EnasClient enas = EnasClient.connect("localhost:8980")) {
 *   Search search = enas.createSearch(spec);
 *   try (SearchWatch events = enas.watch(search.getId(), 0)) {
 *     events.forEachRemaining(event -> System.out.println(event.getKindCase()));
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe: one client can serve a whole application.
 */
public final class EnasClient implements AutoCloseable {
  /** Where the server listens unless told otherwise. */
  public static final String DEFAULT_TARGET = "localhost:8980";

  /** The response header in which an enas server names its HTTP (dashboard) port. */
  static final Metadata.Key<String> HTTP_PORT =
      Metadata.Key.of("enas-http-port", Metadata.ASCII_STRING_MARSHALLER);

  // The list RPCs' own upper bound; larger values are capped by the server anyway.
  private static final int MAX_PAGE_SIZE = 1000;
  private static final int ITERATOR_PAGE_SIZE = 100;

  private final ManagedChannel channel;
  private final SearchServiceGrpc.SearchServiceBlockingStub blocking;
  private final SearchServiceGrpc.SearchServiceStub async;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference;
  private final Duration callTimeout;
  private final WatchRetry watchRetry;
  private final ScheduledExecutorService scheduler;

  private EnasClient(Builder builder) {
    this.channel =
        builder.channel != null
            ? builder.channel
            : Grpc.newChannelBuilder(builder.target, builder.credentials()).build();
    BearerToken token = builder.token == null ? null : new BearerToken(builder.token);
    this.blocking = SearchServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.async = SearchServiceGrpc.newStub(channel).withCallCredentials(token);
    this.inference = GRPCInferenceServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.callTimeout = builder.callTimeout;
    this.watchRetry = builder.watchRetry;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads());
  }

  /** A client of the server at {@code target} ({@code host:port}), over plaintext. */
  public static EnasClient connect(String target) {
    return builder().target(target).build();
  }

  /** A client over an existing channel, which it takes over: {@link #close} shuts it down. */
  public static EnasClient of(ManagedChannel channel) {
    return builder().channel(channel).build();
  }

  /** Options beyond the target: call timeout and watch retries. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a search; the server picks the id.
   *
   * @param spec what to search; only {@code space.kind} is required, unset fields take the paper's
   *     defaults for the space
   * @return the search with its spec resolved
   */
  public Search createSearch(SearchSpec spec) {
    return createSearch(spec, null);
  }

  /**
   * Starts a search under a chosen id, so that retrying a create whose answer was lost cannot start
   * a second search (the retry gets ALREADY_EXISTS).
   *
   * @param searchId 1 to 63 characters from [a-z0-9-]; null or empty lets the server pick
   */
  public Search createSearch(SearchSpec spec, String searchId) {
    CreateSearchRequest.Builder request = CreateSearchRequest.newBuilder().setSpec(spec);
    if (searchId != null) {
      request.setSearchId(searchId);
    }
    return call(stub -> stub.createSearch(request.build()));
  }

  /** The search a spec would create, resolved and checked, without starting anything. */
  public Search validateSpec(SearchSpec spec) {
    return call(
        stub ->
            stub.createSearch(
                CreateSearchRequest.newBuilder().setSpec(spec).setValidateOnly(true).build()));
  }

  /** One search as it is now. */
  public Search getSearch(String searchId) {
    return call(
        stub -> stub.getSearch(GetSearchRequest.newBuilder().setSearchId(searchId).build()));
  }

  /**
   * The port of the server's HTTP dashboard (beside the gRPC port, on the same host), as every
   * response of an enas server names it in its {@code enas-http-port} header; empty for a server
   * that names none.
   */
  public OptionalInt dashboardPort() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    call(
        stub ->
            stub.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .listSearches(ListSearchesRequest.newBuilder().setPageSize(1).build()));
    Metadata received = headers.get();
    String value = received == null ? null : received.get(HTTP_PORT);
    if (value == null || !value.matches("\\d{1,5}")) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Integer.parseInt(value));
  }

  /** One page of searches, exactly as the RPC answers it. */
  public ListSearchesResponse listSearches(ListSearchesRequest request) {
    return call(stub -> stub.listSearches(request));
  }

  /**
   * Every search, oldest first, across all pages, fetched lazily page by page.
   *
   * @param states only searches in these states; none means every state
   */
  public Iterator<Search> listSearches(SearchState... states) {
    List<SearchState> filter = Arrays.asList(states);
    return new PageIterator<>(
        token -> {
          ListSearchesResponse page =
              listSearches(
                  ListSearchesRequest.newBuilder()
                      .setPageSize(ITERATOR_PAGE_SIZE)
                      .setPageToken(token)
                      .addAllStates(filter)
                      .build());
          return new PageIterator.Page<>(page.getSearchesList(), page.getNextPageToken());
        });
  }

  /**
   * Asks a search to stop at its next step boundary.
   *
   * @param reason why, kept with the search; null for none
   * @return the search as it was when the request arrived
   */
  public Search cancelSearch(String searchId, String reason) {
    CancelSearchRequest.Builder request = CancelSearchRequest.newBuilder().setSearchId(searchId);
    if (reason != null) {
      request.setReason(reason);
    }
    return call(stub -> stub.cancelSearch(request.build()));
  }

  /**
   * Pauses a running search: it snapshots itself at its next step boundary and frees its memory
   * until {@link #resumeSearch}, across server restarts too. Returns the search as it was before.
   */
  public Search pauseSearch(String searchId) {
    PauseSearchRequest request = PauseSearchRequest.newBuilder().setSearchId(searchId).build();
    return call(stub -> stub.pauseSearch(request));
  }

  /** Resumes a paused search from the snapshot it paused at; returns the search as it was. */
  public Search resumeSearch(String searchId) {
    ResumeSearchRequest request = ResumeSearchRequest.newBuilder().setSearchId(searchId).build();
    return call(stub -> stub.resumeSearch(request));
  }

  /**
   * Deletes an ended search and its journaled events from the server; its published model stays.
   * Returns the search as it was before.
   */
  public Search deleteSearch(String searchId) {
    DeleteSearchRequest request = DeleteSearchRequest.newBuilder().setSearchId(searchId).build();
    return call(stub -> stub.deleteSearch(request));
  }

  /** The data sets a search may be created on: the embedded ones and those of the data roots. */
  public List<Dataset> listDatasets() {
    return call(stub -> stub.listDatasets(ListDatasetsRequest.getDefaultInstance()))
        .getDatasetsList();
  }

  /** One page of a search's sampled history, exactly as the RPC answers it. */
  public ListArchitecturesResponse listArchitectures(ListArchitecturesRequest request) {
    return call(stub -> stub.listArchitectures(request));
  }

  /** A search's whole sampled history in the given order, fetched lazily page by page. */
  public Iterator<SampledArchitecture> listArchitectures(String searchId, ArchitectureOrder order) {
    return architectures(searchId, order, ITERATOR_PAGE_SIZE);
  }

  /** The {@code count} highest-reward architectures of a search, best first. */
  public List<SampledArchitecture> topArchitectures(String searchId, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + count);
    }
    Iterator<SampledArchitecture> best =
        architectures(
            searchId, ArchitectureOrder.ARCHITECTURE_ORDER_REWARD, Math.min(count, MAX_PAGE_SIZE));
    List<SampledArchitecture> top = new ArrayList<>(Math.min(count, MAX_PAGE_SIZE));
    while (top.size() < count && best.hasNext()) {
      top.add(best.next());
    }
    return top;
  }

  /** One architecture of a search's sampled history, by its index in that history. */
  public SampledArchitecture getArchitecture(String searchId, long index) {
    return call(
        stub ->
            stub.getArchitecture(
                GetArchitectureRequest.newBuilder().setSearchId(searchId).setIndex(index).build()));
  }

  /**
   * The search's events from {@code fromSequence} to its terminal event, as a blocking iterator.
   * When the server cuts the stream (RESOURCE_EXHAUSTED with a resume point for a watcher that fell
   * behind, UNAVAILABLE for a restart or a network failure), the watch reconnects from the event
   * after the last one it received, backing off as the {@link WatchRetry} says; the iterator only
   * fails, with an {@link EnasException}, when that is impossible or the retries are used up.
   *
   * @param fromSequence 0 for the whole history, a search's {@code event_count} for live events
   */
  public SearchWatch watch(String searchId, long fromSequence) {
    Objects.requireNonNull(searchId, "searchId");
    return new SearchWatch(
        searchId,
        sink ->
            new ResumingWatch(
                async, searchId, fromSequence, watchRetry, scheduler, SearchWatch.WINDOW, sink));
  }

  /**
   * The same watch as {@link #watch(String, long)}, delivered to callbacks instead of an iterator.
   */
  public WatchSubscription watch(String searchId, long fromSequence, WatchListener listener) {
    Objects.requireNonNull(searchId, "searchId");
    Objects.requireNonNull(listener, "listener");
    return new WatchSubscription(
        listener,
        sink -> new ResumingWatch(async, searchId, fromSequence, watchRetry, scheduler, 0, sink));
  }

  /** What a model download received: the model's name and version, and the bytes written. */
  public record DownloadedModel(String name, long version, long size) {}

  /**
   * Writes the model a search published to {@code out}, chunk by chunk as the server streams it.
   *
   * @param version a version of the search's model, or 0 for the one the search published
   * @throws EnasException NOT_FOUND if the search has no such model; DATA_LOSS if the stream ended
   *     short of the size the server announced
   */
  public DownloadedModel downloadModel(String searchId, long version, OutputStream out)
      throws IOException {
    Iterator<ModelChunk> chunks;
    String name = "";
    long modelVersion = 0;
    long total = -1;
    long written = 0;
    try {
      // No call deadline: a large model over a slow link may rightly take longer than a call.
      chunks =
          blocking.downloadModel(
              DownloadModelRequest.newBuilder().setSearchId(searchId).setVersion(version).build());
      while (chunks.hasNext()) {
        ModelChunk chunk = chunks.next();
        if (total < 0) {
          name = chunk.getModelName();
          modelVersion = chunk.getModelVersion();
          total = chunk.getTotalSize();
        }
        chunk.getData().writeTo(out);
        written += chunk.getData().size();
      }
    } catch (StatusRuntimeException e) {
      throw EnasException.from(e);
    }
    if (written != Math.max(total, 0)) {
      throw EnasException.from(
          Status.DATA_LOSS
              .withDescription(
                  "the model stream" + " ended after " + written + " of " + total + " bytes")
              .asRuntimeException());
    }
    return new DownloadedModel(name, modelVersion, written);
  }

  /** A served model's inputs, outputs and parameters (class_labels among them). */
  public ModelMetadataResponse modelMetadata(String model, String version) {
    return infer(
        stub ->
            stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build()));
  }

  /** One inference request on a served model, exactly as the Open Inference Protocol has it. */
  public ModelInferResponse modelInfer(ModelInferRequest request) {
    return infer(stub -> stub.modelInfer(request));
  }

  /** Stops pending watch reconnections and shuts the channel down, cancelling open calls. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Iterator<SampledArchitecture> architectures(
      String searchId, ArchitectureOrder order, int pageSize) {
    return new PageIterator<>(
        token -> {
          ListArchitecturesResponse page =
              listArchitectures(
                  ListArchitecturesRequest.newBuilder()
                      .setSearchId(searchId)
                      .setOrderBy(order)
                      .setPageSize(pageSize)
                      .setPageToken(token)
                      .build());
          return new PageIterator.Page<>(page.getArchitecturesList(), page.getNextPageToken());
        });
  }

  private <T> T infer(Function<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(inference.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw EnasException.from(e);
    }
  }

  private <T> T call(Function<SearchServiceGrpc.SearchServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(blocking.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw EnasException.from(e);
    }
  }

  private static ThreadFactory daemonThreads() {
    return task -> {
      Thread thread = new Thread(task, "enas-client-watch-retry");
      // Pending reconnections must never keep an application alive that forgot to close us.
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Settings of an {@link EnasClient}; set a target or a channel, then {@link #build}. */
  public static final class Builder {
    private String target;
    private ManagedChannel channel;
    private Duration callTimeout = Duration.ofSeconds(30);
    private WatchRetry watchRetry = WatchRetry.DEFAULT;
    private String token;
    private boolean tls;
    private java.nio.file.Path caFile;
    private java.nio.file.Path certFile;
    private java.nio.file.Path keyFile;

    private Builder() {}

    /**
     * Connect over TLS, trusting the certificates of {@code caFile} (PEM), or the JVM's trust store
     * when it is null.
     */
    public Builder tls(java.nio.file.Path caFile) {
      this.tls = true;
      this.caFile = caFile;
      return this;
    }

    /** A client certificate and PKCS#8 key (PEM) for a server that asks for one (mutual TLS). */
    public Builder clientCertificate(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
      this.tls = true;
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      return this;
    }

    private io.grpc.ChannelCredentials credentials() {
      if (!tls) {
        return InsecureChannelCredentials.create();
      }
      try {
        io.grpc.TlsChannelCredentials.Builder builder = io.grpc.TlsChannelCredentials.newBuilder();
        if (caFile != null) {
          builder.trustManager(caFile.toFile());
        }
        if (certFile != null) {
          builder.keyManager(certFile.toFile(), keyFile.toFile());
        }
        return builder.build();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
      }
    }

    /**
     * A bearer token (from {@code enas-server token add}) sent with every call; null for a server
     * without tokens.
     */
    public Builder token(String token) {
      this.token = token == null || token.isBlank() ? null : token.strip();
      return this;
    }

    /** The server's {@code host:port} (or any gRPC target URI), reached over plaintext. */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      this.channel = null;
      return this;
    }

    /** A channel to use instead of a target; the client shuts it down on close. */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      this.target = null;
      return this;
    }

    /** Deadline of each unary call (everything but watches, which run as long as the search). */
    public Builder callTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("callTimeout must be positive, was " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    /** How watches reconnect after an interruption; {@link WatchRetry#DEFAULT} unless set. */
    public Builder watchRetry(WatchRetry retry) {
      this.watchRetry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    public EnasClient build() {
      if (target == null && channel == null) {
        throw new IllegalStateException("set a target or a channel");
      }
      return new EnasClient(this);
    }
  }
}
