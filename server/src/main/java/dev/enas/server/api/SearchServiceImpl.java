package dev.enas.server.api;

import com.google.protobuf.ByteString;
import dev.enas.data.DataRoots;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.ListDatasetsResponse;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.PauseSearchRequest;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.ResumeSearchRequest;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchState;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchBackendException.InvalidArgument;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.security.Principal;
import dev.enas.server.security.SearchAdmission;
import dev.enas.server.store.EventLog;
import dev.enas.spec.DataSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.DataShape;
import dev.enas.train.ResourceEstimate;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code enas.v1.SearchService} over a {@link SearchBackend}. Each method checks what it can
 * without the backend, asks the backend, and converts the answer; nothing here blocks, and every
 * failure reaches the client through {@link Statuses} rather than as a thrown exception.
 */
public final class SearchServiceImpl extends SearchServiceGrpc.SearchServiceImplBase {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;
  static final int MAX_ID_LENGTH = 128;
  static final int MAX_REASON_LENGTH = 1024;

  /**
   * Bytes per ModelChunk: far below the 4 MiB message limit, large enough to keep headers cheap.
   */
  static final int CHUNK_SIZE = 64 * 1024;

  private static final Pattern CLIENT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  /**
   * One line per action that changes or takes something (create, cancel, delete, download): who,
   * what, which search, and whether it was done. A logger of its own, so it can go to its own file.
   */
  private static final org.slf4j.Logger audit = org.slf4j.LoggerFactory.getLogger("enas.audit");

  private final SearchBackend backend;
  private final Executor delivery;
  private final int watchBufferCapacity;
  private final SearchAdmission admission;
  private final Set<WatchCall> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /**
   * @param delivery runs the event deliveries of every WatchSearch stream
   * @param watchBufferCapacity events a watcher may fall behind the search before it is cut
   * @param admission what a new search must pass before the backend sees it
   */
  public SearchServiceImpl(
      SearchBackend backend,
      Executor delivery,
      int watchBufferCapacity,
      SearchAdmission admission) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.admission = Objects.requireNonNull(admission, "admission");
    this.delivery = Objects.requireNonNull(delivery, "delivery");
    if (watchBufferCapacity < 1) {
      throw new IllegalArgumentException(
          "watchBufferCapacity must be at least 1, was " + watchBufferCapacity);
    }
    this.watchBufferCapacity = watchBufferCapacity;
  }

  @Override
  public void createSearch(CreateSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> {
          String id = request.getSearchId();
          if (!id.isEmpty() && !CLIENT_ID.matcher(id).matches()) {
            throw new InvalidArgument(
                "search_id",
                "must be 1 to 63 characters from [a-z0-9-],"
                    + " starting with a letter or digit, or empty; was "
                    + SearchBackendException.quote(id));
          }
          SearchSpec spec = SpecMapper.toCore(request.getSpec(), admission.dataRoots());
          checkBudget(spec);
          if (!id.isEmpty() && admission.modelTaken().test(id)) {
            // The search would publish its model under its id, into a model it does not own.
            throw new SearchBackendException.AlreadyExists(
                "search_id "
                    + SearchBackendException.quote(id)
                    + " names a model that is already in the model repository; choose another id");
          }
          if (request.getValidateOnly()) {
            response.onNext(preview(spec));
            response.onCompleted();
            return;
          }
          String owner = AuthInterceptor.caller().name();
          answer(
              audited(
                  "create",
                  id,
                  withinOwnerLimit(owner)
                      .thenCompose(ok -> backend.create(spec, id))
                      .thenApply(
                          info -> {
                            admission.owners().record(info.id(), owner);
                            return info;
                          })),
              SearchMapper::toWire,
              response);
        });
  }

  @Override
  public void listDatasets(
      ListDatasetsRequest request, StreamObserver<ListDatasetsResponse> response) {
    guard(
        response,
        () -> {
          ListDatasetsResponse.Builder answer = ListDatasetsResponse.newBuilder();
          answer.addDatasetsBuilder().setReference(DataSpec.EMBEDDED).setEmbedded(true);
          answer
              .addDatasetsBuilder()
              .setReference(DataSpec.SONNETS)
              .setEmbedded(true)
              .setText(true);
          for (DataRoots.Listed listed : admission.dataRoots().list()) {
            answer
                .addDatasetsBuilder()
                .setReference(listed.reference())
                .setText(listed.kind().text());
          }
          response.onNext(answer.build());
          response.onCompleted();
        });
  }

  @Override
  public void getSearch(GetSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> answer(backend.get(searchId(request.getSearchId())), SearchMapper::toWire, response));
  }

  @Override
  public void listSearches(
      ListSearchesRequest request, StreamObserver<ListSearchesResponse> response) {
    guard(
        response,
        () -> {
          int pageSize = pageSize(request.getPageSize());
          Set<dev.enas.train.Phase> phases = EnumSet.noneOf(dev.enas.train.Phase.class);
          Set<Integer> states = new TreeSet<>();
          List<Integer> values = request.getStatesValueList();
          for (int i = 0; i < values.size(); i++) {
            SearchState state = SearchState.forNumber(values.get(i));
            if (state == null || state == SearchState.SEARCH_STATE_UNSPECIFIED) {
              throw new InvalidArgument(
                  "states[" + i + "]",
                  "must be a SearchState other than"
                      + " SEARCH_STATE_UNSPECIFIED, was "
                      + values.get(i));
            }
            phases.addAll(SearchMapper.phases(state));
            states.add(state.getNumber());
          }
          long cursor = PageTokens.decode("searches " + states, request.getPageToken());
          answer(
              backend.list(pageSize, cursor, phases),
              page -> {
                ListSearchesResponse.Builder out =
                    ListSearchesResponse.newBuilder()
                        .setNextPageToken(
                            PageTokens.encode("searches " + states, page.nextCursor()));
                page.items().forEach(item -> out.addSearches(SearchMapper.toWire(item)));
                return out.build();
              },
              response);
        });
  }

  @Override
  public void cancelSearch(CancelSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          if (request.getReason().length() > MAX_REASON_LENGTH) {
            throw new InvalidArgument(
                "reason",
                "must be at most "
                    + MAX_REASON_LENGTH
                    + " characters, was "
                    + request.getReason().length());
          }
          answer(
              audited(
                  "cancel",
                  id,
                  managed(id).thenCompose(ok -> backend.cancel(id, request.getReason()))),
              SearchMapper::toWire,
              response);
        });
  }

  @Override
  public void pauseSearch(PauseSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          answer(
              audited("pause", id, managed(id).thenCompose(ok -> backend.pause(id))),
              SearchMapper::toWire,
              response);
        });
  }

  @Override
  public void resumeSearch(ResumeSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          answer(
              audited("resume", id, managed(id).thenCompose(ok -> backend.resume(id))),
              SearchMapper::toWire,
              response);
        });
  }

  @Override
  public void deleteSearch(DeleteSearchRequest request, StreamObserver<Search> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          answer(
              audited("delete", id, managed(id).thenCompose(ok -> backend.delete(id))),
              SearchMapper::toWire,
              response);
        });
  }

  @Override
  public void watchSearch(WatchSearchRequest request, StreamObserver<SearchEvent> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          long from = request.getFromSequence();
          if (from < 0) {
            throw new InvalidArgument("from_sequence", "must not be negative, was " + from);
          }
          ServerCallStreamObserver<SearchEvent> stream =
              (ServerCallStreamObserver<SearchEvent>) response;
          WatchCall watch = new WatchCall(id, stream, watchBufferCapacity, watches::remove);
          watches.add(watch);
          if (stopping) {
            watch.stop();
          }
          backend
              .eventLog(id)
              .whenComplete(
                  (log, error) -> {
                    if (error != null) {
                      watch.fail(Statuses.toStatus(error));
                      return;
                    }
                    try {
                      attach(watch, log, from);
                    } catch (RuntimeException e) {
                      watch.fail(Statuses.toStatus(e));
                    }
                  });
        });
  }

  @Override
  public void getArchitecture(
      GetArchitectureRequest request, StreamObserver<SampledArchitecture> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          if (request.getIndex() < 0) {
            throw new InvalidArgument("index", "must not be negative, was " + request.getIndex());
          }
          answer(backend.architecture(id, request.getIndex()), SearchMapper::toWire, response);
        });
  }

  @Override
  public void listArchitectures(
      ListArchitecturesRequest request, StreamObserver<ListArchitecturesResponse> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          int pageSize = pageSize(request.getPageSize());
          dev.enas.server.domain.ArchitectureOrder order = order(request.getOrderByValue());
          String query = "architectures " + id + " " + order;
          long cursor = PageTokens.decode(query, request.getPageToken());
          answer(
              backend.architectures(id, pageSize, cursor, order),
              page -> {
                ListArchitecturesResponse.Builder out =
                    ListArchitecturesResponse.newBuilder()
                        .setNextPageToken(PageTokens.encode(query, page.nextCursor()))
                        .setTotalSize(Math.max(page.totalSize(), 0));
                page.items().forEach(item -> out.addArchitectures(SearchMapper.toWire(item)));
                return out.build();
              },
              response);
        });
  }

  @Override
  public void downloadModel(DownloadModelRequest request, StreamObserver<ModelChunk> response) {
    guard(
        response,
        () -> {
          String id = searchId(request.getSearchId());
          if (request.getVersion() < 0) {
            throw new InvalidArgument(
                "version", "must not be negative, was " + request.getVersion());
          }
          ServerCallStreamObserver<ModelChunk> stream =
              (ServerCallStreamObserver<ModelChunk>) response;
          ChunkedModel chunks = new ChunkedModel(stream);
          audited(
                  "download",
                  id,
                  managed(id).thenCompose(ok -> backend.model(id, request.getVersion())))
              .whenComplete(
                  (file, error) -> {
                    if (error != null) {
                      chunks.fail(Statuses.toStatus(error));
                    } else {
                      chunks.start(file);
                    }
                  });
        });
  }

  /**
   * Sends one model file as chunks while the client keeps up (isReady/onReady), so a slow client
   * holds one chunk of buffer, not the whole file; a cancelled call stops sending.
   */
  private static final class ChunkedModel {
    private final ServerCallStreamObserver<ModelChunk> stream;
    private SearchBackend.ModelFile file;
    private int offset;
    private boolean done;

    ChunkedModel(ServerCallStreamObserver<ModelChunk> stream) {
      this.stream = stream;
      // Handlers must be set before the call method returns; they wait here for the file.
      stream.setOnReadyHandler(this::send);
      stream.setOnCancelHandler(
          () -> {
            synchronized (this) {
              done = true;
            }
          });
    }

    synchronized void start(SearchBackend.ModelFile model) {
      file = model;
      send();
    }

    synchronized void fail(RuntimeException status) {
      if (!done) {
        done = true;
        stream.onError(status);
      }
    }

    private synchronized void send() {
      if (done || file == null) {
        return;
      }
      byte[] bytes = file.bytes();
      while (stream.isReady() && !done) {
        int length = Math.min(CHUNK_SIZE, bytes.length - offset);
        ModelChunk.Builder chunk =
            ModelChunk.newBuilder().setData(ByteString.copyFrom(bytes, offset, length));
        if (offset == 0) {
          chunk
              .setModelName(file.name())
              .setModelVersion(file.version())
              .setTotalSize(bytes.length);
        }
        stream.onNext(chunk.build());
        offset += length;
        if (offset >= bytes.length) {
          done = true;
          stream.onCompleted();
        }
      }
    }
  }

  /**
   * Ends every open WatchSearch stream with UNAVAILABLE and its resume sequence, and every one that
   * starts from now on; called when the server shuts down, since watch streams would otherwise hold
   * the shutdown until its deadline.
   */
  public void stopWatches() {
    stopping = true;
    for (WatchCall watch : watches) {
      watch.stop();
    }
  }

  /** Open WatchSearch streams, for monitoring and tests. */
  public int openWatches() {
    return watches.size();
  }

  private void attach(WatchCall watch, EventLog log, long from) {
    long size = log.size();
    if (from > size) {
      watch.fail(
          Statuses.invalidArgument(
              "from_sequence",
              "must be at most " + size + ", the search's event count, was " + from));
      return;
    }
    watch.attach(log, from, delivery);
  }

  /**
   * Completes when the caller may manage the search (its owner, or an admin); fails with NOT_FOUND
   * for an unknown search and PERMISSION_DENIED for another's. Called on the handler thread, where
   * the caller is known.
   */
  private CompletionStage<Void> managed(String id) {
    Principal caller = AuthInterceptor.caller();
    if (caller.mayManage(admission.owners().ownerOf(id).orElse(Principal.ANONYMOUS))) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    return backend
        .get(id)
        .thenApply(
            info -> {
              throw new SearchBackendException.PermissionDenied(
                  "search "
                      + SearchBackendException.quote(id)
                      + " belongs to another user; the "
                      + caller.role().label()
                      + " role manages only its own searches");
            });
  }

  /**
   * Logs the action's outcome to the audit log when it completes: the caller's name (never a
   * token), the action, the search, and "done" or the status code it was refused with.
   */
  private static <T> CompletionStage<T> audited(
      String action, String id, CompletionStage<T> outcome) {
    Principal caller = AuthInterceptor.caller();
    String who = caller.name().isEmpty() ? "(no token)" : caller.name();
    return outcome.whenComplete(
        (value, error) -> {
          String search = value instanceof SearchInfo info ? info.id() : id;
          audit.info(
              "{} {} {} search={} {}",
              who,
              caller.role().label(),
              action,
              search.isEmpty() ? "(new)" : search,
              error == null
                  ? "done"
                  : "not done (" + cause(error).getClass().getSimpleName() + ")");
        });
  }

  private static Throwable cause(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * Completes when the owner has fewer running searches than {@code
   * enas.limits.running-searches-per-owner}; fails with RESOURCE_EXHAUSTED otherwise. Searches
   * created without a token have no owner and are not counted here. Two creates of one owner at the
   * same instant may both pass: the bound is for fairness, the server-wide bound stays exact.
   */
  private CompletionStage<Void> withinOwnerLimit(String owner) {
    int limit = admission.limits().runningPerOwner();
    if (limit == 0 || owner.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    Set<dev.enas.train.Phase> running = EnumSet.noneOf(dev.enas.train.Phase.class);
    for (dev.enas.train.Phase phase : dev.enas.train.Phase.values()) {
      if (!phase.isTerminal()) {
        running.add(phase);
      }
    }
    return backend
        .list(MAX_PAGE_SIZE, 0, running)
        .thenAccept(
            page -> {
              long mine =
                  page.items().stream()
                      .filter(
                          info -> admission.owners().ownerOf(info.id()).orElse("").equals(owner))
                      .count();
              if (mine >= limit) {
                throw new SearchBackendException.ResourceExhausted(
                    "running searches per owner", limit, "enas.limits.running-searches-per-owner");
              }
            });
  }

  /** Refuses a spec whose estimated needs exceed a budget, before anything is allocated. */
  private void checkBudget(SearchSpec spec) {
    DataShape shape =
        DataShape.peek(spec.data(), admission.dataRoots())
            .orElse(
                spec.data().isText()
                    ? DataShape.text(Integer.MAX_VALUE)
                    : DataShape.images(3, 32, 32, 0));
    List<String> exceeded = admission.limits().exceeded(ResourceEstimate.of(spec, shape));
    if (!exceeded.isEmpty()) {
      throw new SearchBackendException.InvalidSpec(
          exceeded.stream()
              .map(problem -> new dev.enas.spec.FieldViolation("spec", problem))
              .toList());
    }
  }

  private static Search preview(SearchSpec spec) {
    return Search.newBuilder()
        .setSpec(SpecMapper.toWire(spec))
        .setState(SearchState.SEARCH_STATE_PENDING)
        .setPhase(Phase.PHASE_PENDING)
        .setProgress(SearchMapper.toWire(SearchInfo.Progress.start(spec)))
        .build();
  }

  private static String searchId(String id) {
    if (id.isEmpty()) {
      throw new InvalidArgument("search_id", "is required");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidArgument(
          "search_id", "must be at most " + MAX_ID_LENGTH + " characters, was " + id.length());
    }
    return id;
  }

  /** AIP-158: 0 means the default, and sizes above the maximum are lowered to it. */
  private static int pageSize(int requested) {
    if (requested < 0) {
      throw new InvalidArgument("page_size", "must not be negative, was " + requested);
    }
    return requested == 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
  }

  private static dev.enas.server.domain.ArchitectureOrder order(int value) {
    switch (value) {
      case ArchitectureOrder.ARCHITECTURE_ORDER_UNSPECIFIED_VALUE:
      case ArchitectureOrder.ARCHITECTURE_ORDER_SAMPLED_VALUE:
        return dev.enas.server.domain.ArchitectureOrder.SAMPLED;
      case ArchitectureOrder.ARCHITECTURE_ORDER_REWARD_VALUE:
        return dev.enas.server.domain.ArchitectureOrder.REWARD;
      default:
        throw new InvalidArgument(
            "order_by",
            "unknown order "
                + value
                + "; this server knows ARCHITECTURE_ORDER_SAMPLED (1) and ARCHITECTURE_ORDER_REWARD"
                + " (2)");
    }
  }

  /** Runs a handler body, turning anything it throws into a status instead of a thrown error. */
  private static void guard(StreamObserver<?> response, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      response.onError(Statuses.toStatus(e));
    }
  }

  /** Completes a unary call with the converted answer of a backend call, or its failure. */
  private static <T, R> void answer(
      CompletionStage<T> stage, Function<T, R> convert, StreamObserver<R> response) {
    stage.whenComplete(
        (value, error) -> {
          if (error != null) {
            response.onError(Statuses.toStatus(error));
            return;
          }
          R converted;
          try {
            converted = convert.apply(value);
          } catch (RuntimeException e) {
            response.onError(Statuses.toStatus(e));
            return;
          }
          response.onNext(converted);
          response.onCompleted();
        });
  }
}
