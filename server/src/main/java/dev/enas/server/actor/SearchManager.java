package dev.enas.server.actor;

import dev.enas.server.api.ArchitectureOrder;
import dev.enas.server.api.HistoryEntry;
import dev.enas.server.api.Page;
import dev.enas.server.api.SearchBackendException;
import dev.enas.server.api.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The one actor that knows every search: creates them (with admission control: at most
 * {@code maxConcurrentSearches} running), lists, reads and cancels them. Each search is a
 * {@link SearchCoordinator} child with a {@link SearchRecord} the manager reads without asking it.
 * Replies carry either the answer or the {@link SearchBackendException} the API maps to a status.
 */
public final class SearchManager extends AbstractBehavior<SearchManager.Command> {

  /** What the manager accepts. */
  public sealed interface Command {}

  /** Start a search; {@code requestedId} empty lets the manager choose. */
  public record Create(SearchSpec spec, String requestedId, ActorRef<Reply<SearchInfo>> replyTo)
      implements Command {}

  /** One search's summary. */
  public record Get(String id, ActorRef<Reply<SearchInfo>> replyTo) implements Command {}

  /** Searches in creation order, a page at a time. */
  public record ListSearches(int pageSize, long cursor, Set<Phase> phases,
      ActorRef<Reply<Page<SearchInfo>>> replyTo) implements Command {}

  /** Ask a search to stop at its next step boundary. */
  public record Cancel(String id, String reason, ActorRef<Reply<SearchInfo>> replyTo)
      implements Command {}

  /** A search's event log. */
  public record GetEventLog(String id, ActorRef<Reply<EventLog>> replyTo) implements Command {}

  /** One entry of a search's sampled history. */
  public record GetArchitecture(String id, long index, ActorRef<Reply<HistoryEntry>> replyTo)
      implements Command {}

  /** A page of a search's sampled history. */
  public record ListArchitectures(String id, int pageSize, long cursor, ArchitectureOrder order,
      ActorRef<Reply<Page<HistoryEntry>>> replyTo) implements Command {}

  /** An answer or a refusal. */
  public record Reply<T>(T value, SearchBackendException error) {
    static <T> Reply<T> ok(T value) {
      return new Reply<>(value, null);
    }

    static <T> Reply<T> error(SearchBackendException error) {
      return new Reply<>(null, error);
    }
  }

  private final ServerSettings settings;
  private final Executor blocking;
  private final ModelPublisher publisher;
  private final String buildVersion;
  private final Map<String, Entry> searches = new LinkedHashMap<>();
  private final List<String> order = new ArrayList<>();

  private record Entry(SearchRecord record, ActorRef<SearchCoordinator.Command> coordinator) {}

  /**
   * @param blocking executor for blocking work of the searches (loading data, publishing models)
   * @param publisher where searches that finish put their models
   * @param buildVersion the server build, written into every exported model
   */
  public static Behavior<Command> create(ServerSettings settings, Executor blocking,
      ModelPublisher publisher, String buildVersion) {
    return Behaviors.setup(context ->
        new SearchManager(context, settings, blocking, publisher, buildVersion));
  }

  private SearchManager(ActorContext<Command> context, ServerSettings settings, Executor blocking,
      ModelPublisher publisher, String buildVersion) {
    super(context);
    this.settings = settings;
    this.blocking = blocking;
    this.publisher = publisher;
    this.buildVersion = buildVersion;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Create.class, this::onCreate)
        .onMessage(Get.class, m -> {
          Entry e = searches.get(m.id());
          m.replyTo().tell(e == null ? Reply.error(SearchBackendException.NotFound.search(m.id()))
              : Reply.ok(e.record().info()));
          return this;
        })
        .onMessage(ListSearches.class, this::onList)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(GetEventLog.class, m -> {
          Entry e = searches.get(m.id());
          m.replyTo().tell(e == null ? Reply.error(SearchBackendException.NotFound.search(m.id()))
              : Reply.ok(e.record().log()));
          return this;
        })
        .onMessage(GetArchitecture.class, m -> {
          Entry e = searches.get(m.id());
          if (e == null) {
            m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(m.id())));
            return this;
          }
          HistoryEntry entry = e.record().historyAt(m.index());
          m.replyTo().tell(entry != null ? Reply.ok(entry) : Reply.error(
              SearchBackendException.NotFound.architecture(m.id(), m.index(),
                  e.record().historySize())));
          return this;
        })
        .onMessage(ListArchitectures.class, m -> {
          Entry e = searches.get(m.id());
          m.replyTo().tell(e == null ? Reply.error(SearchBackendException.NotFound.search(m.id()))
              : Reply.ok(e.record().historyPage(m.pageSize(), m.cursor(), m.order())));
          return this;
        })
        .build();
  }

  private Behavior<Command> onCreate(Create m) {
    String id = m.requestedId() == null || m.requestedId().isEmpty()
        ? UUID.randomUUID().toString()
        : m.requestedId();
    if (searches.containsKey(id)) {
      m.replyTo().tell(Reply.error(SearchBackendException.AlreadyExists.search(id)));
      return this;
    }
    long running = searches.values().stream()
        .filter(e -> !e.record().info().phase().isTerminal())
        .count();
    if (running >= settings.maxConcurrentSearches()) {
      m.replyTo().tell(Reply.error(new SearchBackendException.ResourceExhausted(
          "running searches", settings.maxConcurrentSearches(), "enas.max-concurrent-searches")));
      return this;
    }
    SearchRecord record = new SearchRecord(id, m.spec(), Instant.now());
    ActorRef<SearchCoordinator.Command> coordinator = getContext().spawn(
        SearchCoordinator.create(record, settings, blocking, publisher, buildVersion), "search-" + order.size());
    searches.put(id, new Entry(record, coordinator));
    order.add(id);
    m.replyTo().tell(Reply.ok(record.info()));
    return this;
  }

  private Behavior<Command> onList(ListSearches m) {
    List<SearchInfo> matching = new ArrayList<>();
    for (String id : order) {
      SearchInfo info = searches.get(id).record().info();
      if (m.phases().isEmpty() || m.phases().contains(info.phase())) {
        matching.add(info);
      }
    }
    int from = (int) Math.min(m.cursor(), matching.size());
    int to = Math.min(matching.size(), from + m.pageSize());
    long next = to < matching.size() ? to : 0;
    m.replyTo().tell(Reply.ok(new Page<>(matching.subList(from, to), next, matching.size())));
    return this;
  }

  private Behavior<Command> onCancel(Cancel m) {
    Entry e = searches.get(m.id());
    if (e == null) {
      m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(m.id())));
      return this;
    }
    SearchInfo info = e.record().info();
    if (info.phase() == Phase.SUCCEEDED || info.phase() == Phase.FAILED) {
      m.replyTo().tell(Reply.error(new SearchBackendException.FailedPrecondition(
          "search " + SearchBackendException.quote(m.id()),
          "search " + SearchBackendException.quote(m.id()) + " already ended as "
              + info.phase().name().toLowerCase(java.util.Locale.ROOT)
              + "; only a running search can be cancelled")));
      return this;
    }
    e.coordinator().tell(new SearchCoordinator.Cancel(m.reason()));
    m.replyTo().tell(Reply.ok(info));
    return this;
  }
}
