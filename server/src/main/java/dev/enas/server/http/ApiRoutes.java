package dev.enas.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMultiMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.api.ModelAccess;
import dev.enas.server.api.SearchControl;
import dev.enas.server.api.WireViews;
import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.store.EventLog;
import dev.enas.train.Phase;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The read-only JSON API under {@code /api/v1/}: the search API's own messages as protobuf JSON
 * with the proto's field names, read through the same {@link SearchBackend} and page tokens as the
 * gRPC service, and each search's events as Server-Sent Events fed by its event log (the same log
 * WatchSearch follows).
 *
 * <ul>
 *   <li>{@code GET /api/v1/searches?state=&page_size=&page_token=}: a ListSearchesResponse
 *   <li>{@code GET /api/v1/searches/{id}}: a Search
 *   <li>{@code GET /api/v1/searches/{id}/architectures?order_by=&page_size=&page_token=}: a
 *       ListArchitecturesResponse
 *   <li>{@code GET /api/v1/searches/{id}/architectures/{index}}: a SampledArchitecture
 *   <li>{@code GET /api/v1/searches/{id}/events?from=}: {@code text/event-stream}; a {@code
 *       Last-Event-ID} header resumes right after that event and wins over {@code from}
 *   <li>{@code /api/v1/models...}: the served models ({@link ModelRoutes})
 *   <li>{@code POST /api/v1/searches?preset=&space=&seed=&search_id=}, {@code POST
 *       /api/v1/searches/{id}/cancel|pause|resume}, {@code DELETE /api/v1/searches/{id}}: the
 *       dashboard's buttons, through {@link SearchControl}, each answering with the Search
 * </ul>
 */
final class ApiRoutes {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;

  private static final ContentType EVENT_STREAM = ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM);

  /**
   * What an idle event stream sends: a comment line, which EventSource ignores, and which keeps
   * proxies and the server's idle timeout from closing the connection.
   */
  private static final ByteString HEARTBEAT = ByteString.fromString(":\n\n");

  /** Fields at their default value are printed too: a reward of 0 or epoch 0 is data. */
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();

  private static final List<org.apache.pekko.http.javadsl.model.HttpHeader> NO_STORE =
      List.of(RawHeader.create("Cache-Control", "no-store"));

  private final SearchBackend backend;
  private final HttpSettings settings;
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();

  /** Weak keys: a log that no search holds any more takes its encodings with it. */
  private final Map<EventLog, EncodedEvents> encodings = new WeakHashMap<>();

  private volatile boolean stopping;

  /** The header every request that changes a search must carry. */
  static final String CONTROL_HEADER = "X-Enas-Control";

  private final ModelRoutes models;
  private final SearchControl control;

  ApiRoutes(
      SearchBackend backend, ModelAccess models, SearchControl control, HttpSettings settings) {
    this.backend = backend;
    this.control = control;
    this.models = new ModelRoutes(models);
    this.settings = settings;
  }

  /** Everything under {@code /api}. */
  Route routes() {
    return concat(
        pathPrefix("v1", () -> pathPrefix("models", models::routes)),
        pathPrefix(
            "v1",
            () ->
                pathPrefix(
                    "searches",
                    () ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        get(
                                            () ->
                                                parameterMultiMap(
                                                    params -> handle(() -> listSearches(params)))),
                                        post(() -> control(params -> start(params))))),
                            pathPrefix(
                                PathMatchers.segment(),
                                id ->
                                    concat(
                                        pathEnd(
                                            () ->
                                                concat(
                                                    get(
                                                        () ->
                                                            parameterMultiMap(
                                                                params ->
                                                                    handle(
                                                                        () -> {
                                                                          Params.of(
                                                                              params, Set.of());
                                                                          return json(
                                                                              backend
                                                                                  .get(id)
                                                                                  .thenApply(
                                                                                      WireViews
                                                                                          ::search));
                                                                        }))),
                                                    delete(
                                                        () ->
                                                            control(
                                                                params ->
                                                                    act(
                                                                        SearchControl.Action.DELETE,
                                                                        id,
                                                                        params))))),
                                        path(
                                            "cancel",
                                            () ->
                                                post(
                                                    () ->
                                                        control(
                                                            params ->
                                                                act(
                                                                    SearchControl.Action.CANCEL,
                                                                    id,
                                                                    params)))),
                                        path(
                                            "pause",
                                            () ->
                                                post(
                                                    () ->
                                                        control(
                                                            params ->
                                                                act(
                                                                    SearchControl.Action.PAUSE,
                                                                    id,
                                                                    params)))),
                                        path(
                                            "resume",
                                            () ->
                                                post(
                                                    () ->
                                                        control(
                                                            params ->
                                                                act(
                                                                    SearchControl.Action.RESUME,
                                                                    id,
                                                                    params)))),
                                        path(
                                            "events",
                                            () ->
                                                get(
                                                    () ->
                                                        parameterMultiMap(
                                                            params ->
                                                                optionalHeaderValueByName(
                                                                    "Last-Event-ID",
                                                                    lastId ->
                                                                        handle(
                                                                            () ->
                                                                                events(
                                                                                    id, params,
                                                                                    lastId)))))),
                                        pathPrefix(
                                            "architectures",
                                            () ->
                                                concat(
                                                    pathEnd(
                                                        () ->
                                                            get(
                                                                () ->
                                                                    parameterMultiMap(
                                                                        params ->
                                                                            handle(
                                                                                () ->
                                                                                    listArchitectures(
                                                                                        id,
                                                                                        params))))),
                                                    path(
                                                        PathMatchers.segment(),
                                                        index ->
                                                            get(
                                                                () ->
                                                                    parameterMultiMap(
                                                                        params ->
                                                                            handle(
                                                                                () -> {
                                                                                  Params.of(
                                                                                      params,
                                                                                      Set.of());
                                                                                  long at =
                                                                                      Params
                                                                                          .integer(
                                                                                              "index",
                                                                                              index,
                                                                                              0,
                                                                                              Long
                                                                                                  .MAX_VALUE);
                                                                                  return json(
                                                                                      backend
                                                                                          .architecture(
                                                                                              id,
                                                                                              at)
                                                                                          .thenApply(
                                                                                              WireViews
                                                                                                  ::architecture));
                                                                                }))))))))))),
        extractUnmatchedPath(
            unmatched -> complete(HttpError.noRoute("/api" + unmatched).response())));
  }

  /**
   * A request that changes a search. It must carry {@value #CONTROL_HEADER}, which a page of
   * another site cannot send without the browser asking this server first (a CORS preflight it
   * never grants), so a page elsewhere cannot start or delete searches through a visitor's browser.
   */
  private Route control(Function<Map<String, List<String>>, Route> body) {
    return optionalHeaderValueByName(
        CONTROL_HEADER,
        marker ->
            parameterMultiMap(
                params ->
                    handle(
                        () -> {
                          if (marker.isEmpty() || marker.get().isBlank()) {
                            throw HttpError.forbidden(
                                CONTROL_HEADER,
                                "is required on requests that change a"
                                    + " search (the dashboard sends it); a page of another site cannot");
                          }
                          return body.apply(params);
                        })));
  }

  private Route start(Map<String, List<String>> query) {
    Params params = Params.of(query, Set.of("preset", "space", "seed", "search_id"));
    String preset = params.one("preset", "smoke");
    String space = params.one("space", "macro");
    long seed = params.integer("seed", 0, Long.MAX_VALUE, 1);
    return json(control.start(preset, space, seed, params.one("search_id", "")));
  }

  private Route act(SearchControl.Action action, String id, Map<String, List<String>> query) {
    Params.of(query, Set.of());
    return json(control.act(action, id));
  }

  private Route listSearches(Map<String, List<String>> query) {
    Params params = Params.of(query, Set.of("state", "page_size", "page_token"));
    int pageSize = (int) params.integer("page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    List<SearchState> states = new ArrayList<>();
    Set<Phase> phases = EnumSet.noneOf(Phase.class);
    for (String name : params.all("state")) {
      SearchState state = state(name);
      states.add(state);
      phases.addAll(WireViews.phases(state));
    }
    long cursor = WireViews.searchesCursor(states, params.one("page_token", ""));
    return json(
        backend.list(pageSize, cursor, phases).thenApply(page -> WireViews.searches(page, states)));
  }

  private Route listArchitectures(String id, Map<String, List<String>> query) {
    Params params = Params.of(query, Set.of("order_by", "page_size", "page_token"));
    int pageSize = (int) params.integer("page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    String orderName = params.one("order_by", "sampled");
    ArchitectureOrder order;
    switch (orderName.toLowerCase(Locale.ROOT)) {
      case "sampled":
        order = ArchitectureOrder.SAMPLED;
        break;
      case "reward":
        order = ArchitectureOrder.REWARD;
        break;
      default:
        throw HttpError.badParameter(
            "order_by", "must be sampled or reward, was " + Params.quote(orderName));
    }
    long cursor = WireViews.architecturesCursor(id, order, params.one("page_token", ""));
    return json(
        backend
            .architectures(id, pageSize, cursor, order)
            .thenApply(page -> WireViews.architectures(id, order, page)));
  }

  /**
   * The event stream of one search. The log is looked up before the response starts, so an unknown
   * search is a 404 and a resume point past the end a 400; a stream resumed after the search's
   * terminal event answers 204, which tells a browser's EventSource to stop reconnecting.
   */
  private Route events(String id, Map<String, List<String>> query, Optional<String> lastEventId) {
    Params params = Params.of(query, Set.of("from"));
    long fromParameter = params.integer("from", 0, Long.MAX_VALUE, 0);
    long from =
        lastEventId.isPresent() && !lastEventId.get().isBlank()
            ? Params.integer("Last-Event-ID", lastEventId.get(), -1, Long.MAX_VALUE - 1) + 1
            : fromParameter;
    String fromName =
        lastEventId.isPresent() && !lastEventId.get().isBlank() ? "Last-Event-ID" : "from";
    return onComplete(
        backend.eventLog(id),
        found ->
            handle(
                () -> {
                  if (found.isFailure()) {
                    throw HttpError.of(found.failed().get());
                  }
                  EventLog eventLog = found.get();
                  long size = eventLog.size();
                  if (from > size) {
                    long highest = fromName.equals("from") ? size : size - 1;
                    throw HttpError.badParameter(
                        fromName,
                        "must be at most "
                            + highest
                            + " for this search, which has "
                            + size
                            + " events, was "
                            + (fromName.equals("from") ? from : from - 1));
                  }
                  if (from == size && eventLog.isClosed()) {
                    return complete(HttpResponse.create().withStatus(StatusCodes.NO_CONTENT));
                  }
                  return stream(id, eventLog, from);
                }));
  }

  private Route stream(String id, EventLog eventLog, long from) {
    EventStream stream =
        new EventStream(
            id,
            eventLog,
            from,
            settings.sseBuffer(),
            encoded(id, eventLog),
            started -> {
              streams.add(started);
              if (stopping) {
                started.stop();
              }
            },
            streams::remove);
    Source<ByteString, NotUsed> body =
        Source.fromGraph(stream).keepAlive(settings.sseKeepAlive(), () -> HEARTBEAT);
    return respondWithHeaders(
        List.<org.apache.pekko.http.javadsl.model.HttpHeader>of(
            RawHeader.create("Cache-Control", "no-cache"),
            // Proxies such as nginx would otherwise hold events back to fill a buffer.
            RawHeader.create("X-Accel-Buffering", "no")),
        () -> complete(HttpResponse.create().withEntity(HttpEntities.create(EVENT_STREAM, body))));
  }

  /** The shared encodings of a log's events; one per log, gone with the log. */
  private EncodedEvents encoded(String id, EventLog eventLog) {
    synchronized (encodings) {
      return encodings.computeIfAbsent(eventLog, unused -> new EncodedEvents(id));
    }
  }

  /** Event streams open now. */
  int openStreams() {
    return streams.size();
  }

  /** Ends every open event stream, and each one that starts from now on, with its resume point. */
  void stopStreams() {
    stopping = true;
    streams.forEach(EventStream::stop);
  }

  private static SearchState state(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    String full = upper.startsWith("SEARCH_STATE_") ? upper : "SEARCH_STATE_" + upper;
    try {
      SearchState state = SearchState.valueOf(full);
      if (state != SearchState.SEARCH_STATE_UNSPECIFIED && state != SearchState.UNRECOGNIZED) {
        return state;
      }
    } catch (IllegalArgumentException e) {
      // named below
    }
    throw HttpError.badParameter(
        "state",
        "must be one of pending, running, succeeded, failed,"
            + " cancelled (or the SearchState names), was "
            + Params.quote(name));
  }

  /** Answers with a message as protobuf JSON once the backend has answered. */
  private static Route json(CompletionStage<? extends MessageOrBuilder> answer) {
    return completeWithFuture(
        answer.handle(
            (message, error) -> {
              if (error != null) {
                return HttpError.of(error).response();
              }
              try {
                return HttpResponse.create()
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.print(message))
                    .addHeaders(NO_STORE);
              } catch (InvalidProtocolBufferException | RuntimeException e) {
                return HttpError.of(e).response();
              }
            }));
  }

  /** Runs a route builder, turning a bad request it finds into its error response. */
  static Route handle(Supplier<Route> body) {
    try {
      return body.get();
    } catch (HttpError e) {
      return complete(e.response());
    } catch (RuntimeException e) {
      return complete(HttpError.of(e).response());
    }
  }
}
