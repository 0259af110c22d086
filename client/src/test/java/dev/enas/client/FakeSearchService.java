package dev.enas.client;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
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
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A search service that keeps everything in memory and does what the test scripts: the searches,
 * event logs, histories and model files it is given, a small page size to force paging, errors to
 * answer, and watch streams cut after a set number of events, the way the real server cuts slow
 * watchers.
 */
public final class FakeSearchService extends SearchServiceGrpc.SearchServiceImplBase {
  /** How one watch call ends early: after {@code events} events, with this status. */
  public record Cut(int events, StatusRuntimeException status) {}

  public final Map<String, Search> searches = new LinkedHashMap<>();
  public final Map<String, List<SearchEvent>> events = new LinkedHashMap<>();
  public final Map<String, List<SampledArchitecture>> histories = new LinkedHashMap<>();
  public final List<CreateSearchRequest> creates = new CopyOnWriteArrayList<>();
  public final List<WatchSearchRequest> watches = new CopyOnWriteArrayList<>();
  public final List<ListSearchesRequest> searchLists = new CopyOnWriteArrayList<>();
  public final List<ListArchitecturesRequest> architectureLists = new CopyOnWriteArrayList<>();
  public final List<CancelSearchRequest> cancels = new CopyOnWriteArrayList<>();

  /** Counts down when a watch call that {@link #holdOpen} kept open is cancelled by the client. */
  public final CountDownLatch watchCancelled = new CountDownLatch(1);

  /**
   * Model files by search id, then version: what DownloadModel streams. Version 0 of a request
   * means the search's own version, {@code model_version} of its Search.
   */
  public final Map<String, Map<Long, byte[]>> models = new LinkedHashMap<>();

  public final List<DownloadModelRequest> downloads = new CopyOnWriteArrayList<>();

  /** Largest chunk DownloadModel sends, small so that tests see several. */
  public volatile int chunkSize = 1000;

  /** Most items a list page holds, whatever the request asks. */
  public volatile int maxPageSize = 2;

  /** Watch calls keep the stream open after the last logged event, as for a running search. */
  public volatile boolean holdOpen;

  /** The next unary call fails with this, once. */
  public volatile StatusRuntimeException nextError;

  private final Deque<Cut> cuts = new ArrayDeque<>();
  private int created;

  /** Adds a search with its event log; its event count follows the log. */
  public synchronized void add(Search search, List<SearchEvent> log) {
    searches.put(search.getId(), search.toBuilder().setEventCount(log.size()).build());
    events.put(search.getId(), List.copyOf(log));
  }

  /** The next watch calls, in order, end early as these say. */
  public synchronized void cutWatches(Cut... next) {
    cuts.addAll(List.of(next));
  }

  /** RESOURCE_EXHAUSTED as the server ends a slow watcher's stream, with its resume point. */
  public static StatusRuntimeException slowWatcherCut(
      long resume, boolean trailer, boolean errorInfo) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
            .setMessage("the watcher fell behind; watch again with from_sequence=" + resume);
    if (errorInfo) {
      status.addDetails(
          Any.pack(
              ErrorInfo.newBuilder()
                  .setReason("WATCHER_TOO_SLOW")
                  .setDomain("enas.v1.SearchService")
                  .putMetadata("resume_sequence", Long.toString(resume))
                  .build()));
    }
    Metadata trailers = new Metadata();
    if (trailer) {
      trailers.put(EnasException.RESUME_SEQUENCE_TRAILER, Long.toString(resume));
    }
    return StatusProto.toStatusRuntimeException(status.build(), trailers);
  }

  /** INVALID_ARGUMENT with a BadRequest naming the given fields. */
  public static StatusRuntimeException badRequest(String... fieldsAndDescriptions) {
    BadRequest.Builder details = BadRequest.newBuilder();
    for (int i = 0; i < fieldsAndDescriptions.length; i += 2) {
      details.addFieldViolations(
          BadRequest.FieldViolation.newBuilder()
              .setField(fieldsAndDescriptions[i])
              .setDescription(fieldsAndDescriptions[i + 1]));
    }
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage(
                "invalid search spec: " + fieldsAndDescriptions[0] + " " + fieldsAndDescriptions[1])
            .addDetails(Any.pack(details.build()))
            .build());
  }

  @Override
  public void createSearch(CreateSearchRequest request, StreamObserver<Search> response) {
    creates.add(request);
    if (failed(response)) {
      return;
    }
    synchronized (this) {
      String id = request.getSearchId().isEmpty() ? "search-" + (++created) : request.getSearchId();
      if (searches.containsKey(id)) {
        response.onError(
            StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(Code.ALREADY_EXISTS_VALUE)
                    .setMessage("search " + id + " exists")
                    .build()));
        return;
      }
      Search search =
          Search.newBuilder()
              .setId(request.getValidateOnly() ? "" : id)
              .setSpec(request.getSpec())
              .setState(SearchState.SEARCH_STATE_PENDING)
              .setPhase(Phase.PHASE_PENDING)
              .build();
      if (!request.getValidateOnly()) {
        searches.put(id, search);
        events.putIfAbsent(id, List.of());
      }
      response.onNext(search);
      response.onCompleted();
    }
  }

  @Override
  public void getSearch(GetSearchRequest request, StreamObserver<Search> response) {
    if (failed(response)) {
      return;
    }
    Search search = find(request.getSearchId(), response);
    if (search != null) {
      response.onNext(search);
      response.onCompleted();
    }
  }

  @Override
  public void listSearches(
      ListSearchesRequest request, StreamObserver<ListSearchesResponse> response) {
    searchLists.add(request);
    if (failed(response)) {
      return;
    }
    List<Search> matching = new ArrayList<>();
    synchronized (this) {
      for (Search s : searches.values()) {
        if (request.getStatesList().isEmpty() || request.getStatesList().contains(s.getState())) {
          matching.add(s);
        }
      }
    }
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = Math.min(matching.size(), from + pageSize(request.getPageSize()));
    response.onNext(
        ListSearchesResponse.newBuilder()
            .addAllSearches(matching.subList(from, to))
            .setNextPageToken(to < matching.size() ? Integer.toString(to) : "")
            .build());
    response.onCompleted();
  }

  @Override
  public void listDatasets(
      dev.enas.proto.v1.ListDatasetsRequest request,
      StreamObserver<dev.enas.proto.v1.ListDatasetsResponse> response) {
    if (failed(response)) {
      return;
    }
    response.onNext(
        dev.enas.proto.v1.ListDatasetsResponse.newBuilder()
            .addDatasets(
                dev.enas.proto.v1.Dataset.newBuilder()
                    .setReference("fashion-mnist")
                    .setEmbedded(true))
            .addDatasets(
                dev.enas.proto.v1.Dataset.newBuilder()
                    .setReference("ptb:corpora/ptb")
                    .setText(true))
            .build());
    response.onCompleted();
  }

  @Override
  public void deleteSearch(DeleteSearchRequest request, StreamObserver<Search> response) {
    if (failed(response)) {
      return;
    }
    Search search = find(request.getSearchId(), response);
    if (search == null) {
      return;
    }
    if (search.getState() == SearchState.SEARCH_STATE_RUNNING
        || search.getState() == SearchState.SEARCH_STATE_PENDING) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.FAILED_PRECONDITION_VALUE)
                  .setMessage("search " + search.getId() + " is running; cancel it first")
                  .build()));
      return;
    }
    synchronized (this) {
      searches.remove(search.getId());
    }
    response.onNext(search);
    response.onCompleted();
  }

  /** Pauses or resumes a running search by its `paused` flag, as the server answers. */
  private void setPaused(String id, boolean paused, StreamObserver<Search> response) {
    if (failed(response)) {
      return;
    }
    Search search = find(id, response);
    if (search == null) {
      return;
    }
    if (paused
        && search.getState() != SearchState.SEARCH_STATE_RUNNING
        && search.getState() != SearchState.SEARCH_STATE_PENDING) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.FAILED_PRECONDITION_VALUE)
                  .setMessage(
                      "search " + id + " has already ended; only a running search can be paused")
                  .build()));
      return;
    }
    synchronized (this) {
      searches.put(id, search.toBuilder().setPaused(paused).build());
    }
    response.onNext(search);
    response.onCompleted();
  }

  @Override
  public void pauseSearch(PauseSearchRequest request, StreamObserver<Search> response) {
    setPaused(request.getSearchId(), true, response);
  }

  @Override
  public void resumeSearch(ResumeSearchRequest request, StreamObserver<Search> response) {
    setPaused(request.getSearchId(), false, response);
  }

  @Override
  public void cancelSearch(CancelSearchRequest request, StreamObserver<Search> response) {
    cancels.add(request);
    if (failed(response)) {
      return;
    }
    Search search = find(request.getSearchId(), response);
    if (search == null) {
      return;
    }
    if (search.getState() == SearchState.SEARCH_STATE_SUCCEEDED
        || search.getState() == SearchState.SEARCH_STATE_FAILED) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.FAILED_PRECONDITION_VALUE)
                  .setMessage("search " + search.getId() + " has already ended")
                  .addDetails(
                      Any.pack(
                          PreconditionFailure.newBuilder()
                              .addViolations(
                                  PreconditionFailure.Violation.newBuilder()
                                      .setType("STATE")
                                      .setSubject(search.getId())
                                      .setDescription(
                                          "search " + search.getId() + " has already ended"))
                              .build()))
                  .build()));
      return;
    }
    synchronized (this) {
      searches.put(
          search.getId(),
          search.toBuilder()
              .setState(SearchState.SEARCH_STATE_CANCELLED)
              .setPhase(Phase.PHASE_CANCELLED)
              .setFailureReason(request.getReason())
              .build());
    }
    response.onNext(search);
    response.onCompleted();
  }

  @Override
  public void watchSearch(WatchSearchRequest request, StreamObserver<SearchEvent> response) {
    watches.add(request);
    List<SearchEvent> log;
    Cut cut;
    synchronized (this) {
      log = events.get(request.getSearchId());
      cut = cuts.poll();
    }
    if (log == null) {
      find(request.getSearchId(), response);
      return;
    }
    int from = (int) request.getFromSequence();
    int to = cut == null ? log.size() : Math.min(log.size(), from + cut.events());
    for (SearchEvent event : log.subList(from, to)) {
      response.onNext(event);
    }
    if (cut != null) {
      response.onError(cut.status());
    } else if (holdOpen) {
      ((ServerCallStreamObserver<SearchEvent>) response)
          .setOnCancelHandler(watchCancelled::countDown);
    } else {
      response.onCompleted();
    }
  }

  @Override
  public void listArchitectures(
      ListArchitecturesRequest request, StreamObserver<ListArchitecturesResponse> response) {
    architectureLists.add(request);
    if (failed(response)) {
      return;
    }
    List<SampledArchitecture> history =
        new ArrayList<>(histories.getOrDefault(request.getSearchId(), List.of()));
    if (request.getOrderBy() == ArchitectureOrder.ARCHITECTURE_ORDER_REWARD) {
      history.sort(
          Comparator.comparingDouble(SampledArchitecture::getReward)
              .reversed()
              .thenComparingLong(SampledArchitecture::getIndex));
    }
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = Math.min(history.size(), from + pageSize(request.getPageSize()));
    response.onNext(
        ListArchitecturesResponse.newBuilder()
            .addAllArchitectures(history.subList(from, to))
            .setNextPageToken(to < history.size() ? Integer.toString(to) : "")
            .setTotalSize(history.size())
            .build());
    response.onCompleted();
  }

  @Override
  public void getArchitecture(
      GetArchitectureRequest request, StreamObserver<SampledArchitecture> response) {
    if (failed(response)) {
      return;
    }
    List<SampledArchitecture> history = histories.getOrDefault(request.getSearchId(), List.of());
    if (request.getIndex() < 0 || request.getIndex() >= history.size()) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.NOT_FOUND_VALUE)
                  .setMessage("no architecture " + request.getIndex())
                  .build()));
      return;
    }
    response.onNext(history.get((int) request.getIndex()));
    response.onCompleted();
  }

  @Override
  public void downloadModel(DownloadModelRequest request, StreamObserver<ModelChunk> response) {
    downloads.add(request);
    if (failed(response)) {
      return;
    }
    Search search = find(request.getSearchId(), response);
    if (search == null) {
      return;
    }
    long version = request.getVersion() == 0 ? search.getModelVersion() : request.getVersion();
    byte[] file;
    synchronized (this) {
      file = models.getOrDefault(search.getId(), Map.of()).get(version);
    }
    if (search.getModelName().isEmpty() || file == null) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.NOT_FOUND_VALUE)
                  .setMessage("search '" + search.getId() + "' has no model version " + version)
                  .build()));
      return;
    }
    int from = 0;
    do {
      int to = Math.min(file.length, from + chunkSize);
      ModelChunk.Builder chunk =
          ModelChunk.newBuilder()
              .setData(com.google.protobuf.ByteString.copyFrom(file, from, to - from));
      if (from == 0) {
        chunk
            .setModelName(search.getModelName())
            .setModelVersion(version)
            .setTotalSize(file.length);
      }
      response.onNext(chunk.build());
      from = to;
    } while (from < file.length);
    response.onCompleted();
  }

  private int pageSize(int asked) {
    return asked <= 0 ? maxPageSize : Math.min(asked, maxPageSize);
  }

  private boolean failed(StreamObserver<?> response) {
    StatusRuntimeException error = nextError;
    if (error == null) {
      return false;
    }
    nextError = null;
    response.onError(error);
    return true;
  }

  private synchronized Search find(String id, StreamObserver<?> response) {
    Search search = searches.get(id);
    if (search == null) {
      response.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.NOT_FOUND_VALUE)
                  .setMessage("no search '" + id + "'")
                  .addDetails(
                      Any.pack(
                          ResourceInfo.newBuilder()
                              .setResourceType("search")
                              .setResourceName(id)
                              .build()))
                  .build()));
    }
    return search;
  }
}
