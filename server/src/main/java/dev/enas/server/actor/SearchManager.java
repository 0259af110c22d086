package dev.enas.server.actor;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalEvent;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one actor that knows every search: creates them (with admission control: at most {@code
 * maxConcurrentSearches} running), lists, reads and cancels them. Each search is a {@link
 * SearchCoordinator} child with a {@link SearchRecord} the manager reads without asking it. Replies
 * carry either the answer or the {@link SearchBackendException} the API maps to a status.
 *
 * <p>With a {@link Journal}, every search's entries are written by its {@link SearchJournal}, and
 * the manager starts by reading them all back ({@link Recover}): ended searches keep only their
 * summary, and their log and history are read from the journal when asked; unfinished ones run
 * again from their start, reproducing the journaled events before they add new ones.
 *
 * <p>In a cluster (a manager made with a {@link Replication}) each node's manager runs the searches
 * the cluster placed on it (its own) and keeps a replica of every other search, folded from the
 * shared journal as the owning node writes it: reads and watches answer from any node, and a node
 * takes a search over ({@link Adopt}) when the cluster moves it there. At start every unfinished
 * search is a replica until the cluster places it.
 */
public final class SearchManager extends AbstractBehavior<SearchManager.Command> {
  private static final Logger log = LoggerFactory.getLogger(SearchManager.class);

  /** What the manager accepts. */
  public sealed interface Command {}

  /** Start a search; {@code requestedId} empty lets the manager choose. */
  public record Create(SearchSpec spec, String requestedId, ActorRef<Reply<SearchInfo>> replyTo)
      implements Command {}

  /** One search's summary. */
  public record Get(String id, ActorRef<Reply<SearchInfo>> replyTo) implements Command {}

  /** Searches in creation order, a page at a time. */
  public record ListSearches(
      int pageSize, long cursor, Set<Phase> phases, ActorRef<Reply<Page<SearchInfo>>> replyTo)
      implements Command {}

  /** Ask a search to stop at its next step boundary. */
  public record Cancel(String id, String reason, ActorRef<Reply<SearchInfo>> replyTo)
      implements Command {}

  /** A search's event log. */
  public record GetEventLog(String id, ActorRef<Reply<EventLog>> replyTo) implements Command {}

  /** One entry of a search's sampled history. */
  public record GetArchitecture(String id, long index, ActorRef<Reply<HistoryEntry>> replyTo)
      implements Command {}

  /** A page of a search's sampled history. */
  public record ListArchitectures(
      String id,
      int pageSize,
      long cursor,
      ArchitectureOrder order,
      ActorRef<Reply<Page<HistoryEntry>>> replyTo)
      implements Command {}

  /**
   * Removes an ended search and its journal entries; its published model stays. A running search is
   * refused with FAILED_PRECONDITION.
   */
  public record Delete(String id, ActorRef<Reply<SearchInfo>> replyTo) implements Command {}

  /**
   * Reads every search from the journal and runs the unfinished ones again; answers with the number
   * of searches recovered. A manager with a journal answers nothing else before this.
   */
  public record Recover(ActorRef<Reply<Integer>> replyTo) implements Command {}

  /**
   * Before the server stops: every running search snapshots itself at its next step boundary and
   * stops, and the answer comes once everything the searches emitted is in the journal, so the next
   * start continues where this one ended. {@code timeout} bounds the snapshots and the journal's
   * flush each.
   */
  public record Drain(Duration timeout, ActorRef<Reply<Integer>> replyTo) implements Command {}

  /**
   * Pauses a search (PauseSearch): it snapshots itself at its next step boundary and its
   * coordinator stops, freeing its memory; it stays paused across restarts. Answers the search as
   * it was. An ended search is refused with FAILED_PRECONDITION, as is any on a manager without a
   * journal (nothing would keep its place).
   */
  public record Pause(String id, ActorRef<Reply<SearchInfo>> replyTo) implements Command {}

  /** Resumes a paused search from its snapshot (ResumeSearch); answers the search as it was. */
  public record Resume(String id, ActorRef<Reply<SearchInfo>> replyTo) implements Command {}

  /** A pausing search's coordinator has written its snapshot and takes no more steps. */
  private record PauseSettled(String id, ActorRef<SearchCoordinator.Command> coordinator)
      implements Command {}

  /** Every running search of a {@link Drain} has snapshotted itself (or run out of time). */
  private record Suspended(Drain drain) implements Command {}

  /** From a search's journal writer: every entry of the ended search is written. */
  public record JournalSettled(String id) implements Command {}

  /**
   * A created search's first journal entry is written (or could not be): only now is the create
   * answered, so that a search a client was told about survives a kill right after the answer.
   */
  private record CreateJournaled(
      ActorRef<Reply<SearchInfo>> replyTo, SearchInfo info, Throwable failure) implements Command {}

  /** A search's journal writer stopped without being told to: a write failed. */
  private record WriterStopped(String id, ActorRef<SearchJournal.Command> writer)
      implements Command {}

  private record Recovered(
      List<SearchRecord> records, Throwable failure, ActorRef<Reply<Integer>> replyTo)
      implements Command {}

  /**
   * Cluster: another node created this search (its creation is in the journal); keep a replica and
   * follow its journal.
   */
  public record Track(JournalEvent.Created created) implements Command {}

  /**
   * Cluster: a search may exist in the journal that this manager does not know; read it. {@code
   * replyTo}, if not null, hears once the manager knows it (or the journal does not).
   */
  public record Discover(String id, ActorRef<Done> replyTo) implements Command {}

  /** Cluster: the search was deleted on the node that owned it; drop the replica. */
  public record Forget(String id) implements Command {}

  /**
   * Cluster: the search is placed on this node. A replica (or a search only the journal knows) is
   * read to the journal's end and run from its newest snapshot; one already run here is left as it
   * is. Answers whether the search is unfinished (running or paused); NOT_FOUND when no node knows
   * it.
   */
  public record Adopt(String id, ActorRef<Reply<Boolean>> replyTo) implements Command {}

  /**
   * Cluster: the unfinished, unpaused searches this manager only replicates: each must be running
   * on some node, and the cluster is reminded of them.
   */
  public record Orphans(ActorRef<List<String>> replyTo) implements Command {}

  private record ReplicaRead(String id, List<Journal.Sequenced> entries, Throwable failure)
      implements Command {}

  private record ReplicaBatch(String id, List<Journal.Sequenced> entries) implements Command {}

  private record AdoptRead(String id, List<Journal.Sequenced> entries, Throwable failure)
      implements Command {}

  /**
   * What a cluster manager tells the rest of the cluster about the searches it owns. Called on the
   * manager's thread; must not block.
   */
  public interface Replication {
    /** A search created here has its creation in the journal. */
    void created(String id);

    /** A search owned here has its end in the journal. */
    void ended(String id);

    /** A search was deleted here, with its journal entries. */
    void deleted(String id);
  }

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
  private final SnapshotSettings snapshots;
  private final Executor blocking;
  private final ModelPublisher publisher;
  private final String buildVersion;
  private final Journal journal;
  private final Map<String, Entry> searches = new LinkedHashMap<>();
  private final List<String> order = new ArrayList<>();

  /** Ended searches rebuilt from the journal lately, so paging through one reads it once. */
  private final Map<String, SearchRecord> rebuilt =
      Collections.synchronizedMap(
          new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SearchRecord> eldest) {
              return size() > REBUILT_KEPT;
            }
          });

  private long nextOrdinal;

  /** Tells the coordinators of one search apart across pauses. */
  private long incarnation;

  /** Cluster only: what the other nodes learn of the searches owned here. */
  private final Replication replication;

  /** Cluster only: the searches another node runs, each with its journal follower. */
  private final Map<String, Replica> replicas = new HashMap<>();

  /** Cluster only: searches read from the journal to become replicas, with who waits for them. */
  private final Map<String, List<ActorRef<Done>>> discovering = new HashMap<>();

  /** Cluster only: searches being taken over, with the adopters waiting for that. */
  private final Map<String, List<ActorRef<Reply<Boolean>>>> adopting = new HashMap<>();

  /** A search another node runs: its journal follower. */
  private static final class Replica {
    UniqueKillSwitch follower;
  }

  private static final int REBUILT_KEPT = 4;
  private static final int STASH_CAPACITY = 10_000;

  /**
   * One search: its record, its coordinator while it has one, and its journal writer until the
   * search's end is written (then the record drops its log and the coordinator stops).
   */
  private record Entry(
      SearchRecord record,
      ActorRef<SearchCoordinator.Command> coordinator,
      ActorRef<SearchJournal.Command> writer) {}

  /**
   * @param blocking executor for blocking work of the searches (loading data, publishing models)
   * @param publisher where searches that finish put their models
   * @param buildVersion the server build, written into every exported model
   */
  public static Behavior<Command> create(
      ServerSettings settings, Executor blocking, ModelPublisher publisher, String buildVersion) {
    return Behaviors.setup(
        context ->
            new SearchManager(
                context,
                settings,
                SnapshotSettings.OFF,
                blocking,
                publisher,
                buildVersion,
                null,
                null));
  }

  /**
   * A manager whose searches live in {@code journal}. It waits for {@link Recover} and keeps every
   * other request until the searches are read back.
   */
  public static Behavior<Command> create(
      ServerSettings settings,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion,
      Journal journal) {
    return create(settings, SnapshotSettings.OFF, blocking, publisher, buildVersion, journal);
  }

  /**
   * A manager whose searches live in {@code journal} and write snapshots as {@code snapshots} says,
   * so that a restart resumes them from there rather than from their start.
   */
  public static Behavior<Command> create(
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion,
      Journal journal) {
    return create(settings, snapshots, blocking, publisher, buildVersion, journal, null);
  }

  /**
   * A manager of one node of a cluster: its searches live in the shared {@code journal}, it runs
   * those the cluster places here and replicates the others; {@code replication} tells the cluster
   * about the searches run here. With {@code replication} null, a single server's manager.
   */
  public static Behavior<Command> create(
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion,
      Journal journal,
      Replication replication) {
    return Behaviors.withStash(
        STASH_CAPACITY,
        stash ->
            Behaviors.setup(
                context ->
                    recovering(
                        context,
                        stash,
                        settings,
                        snapshots,
                        blocking,
                        publisher,
                        buildVersion,
                        journal,
                        replication)));
  }

  private static Behavior<Command> recovering(
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion,
      Journal journal,
      Replication replication) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Recover.class,
            m -> {
              context.pipeToSelf(
                  readAll(journal, blocking),
                  (records, failure) -> new Recovered(records, failure, m.replyTo()));
              return Behaviors.same();
            })
        .onMessage(
            Recovered.class,
            m -> {
              if (m.failure() != null) {
                Throwable cause =
                    m.failure() instanceof CompletionException && m.failure().getCause() != null
                        ? m.failure().getCause()
                        : m.failure();
                m.replyTo()
                    .tell(
                        Reply.error(
                            new SearchBackendException.FailedPrecondition(
                                "journal",
                                "reading " + journal.settings().describe() + " failed: " + cause)));
                return Behaviors.same();
              }
              SearchManager manager =
                  new SearchManager(
                      context,
                      settings,
                      snapshots,
                      blocking,
                      publisher,
                      buildVersion,
                      journal,
                      replication);
              manager.restore(m.records());
              m.replyTo().tell(Reply.ok(m.records().size()));
              return stash.unstashAll(manager);
            })
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  /**
   * Every search in the journal, in creation order; ended ones keep only their summary. Searches
   * are read one at a time, so only one search's events are in the heap at once.
   */
  private static CompletionStage<List<SearchRecord>> readAll(Journal journal, Executor blocking) {
    return journal
        .searchIds()
        .thenCompose(
            ids -> {
              CompletionStage<List<SearchRecord>> all =
                  CompletableFuture.completedFuture(new ArrayList<>());
              for (String id : ids) {
                all =
                    all.thenCompose(
                        records ->
                            journal
                                .entries(id)
                                .thenApplyAsync(
                                    entries -> {
                                      // A deleted search leaves no entries behind.
                                      if (!entries.isEmpty()) {
                                        SearchRecord record = SearchRecord.fromJournal(entries);
                                        if (record.isEnded()) {
                                          record.release();
                                        }
                                        records.add(record);
                                      }
                                      return records;
                                    },
                                    blocking));
              }
              return all.thenApply(
                  records -> {
                    records.sort(Comparator.comparingLong(SearchRecord::ordinal));
                    return records;
                  });
            });
  }

  private SearchManager(
      ActorContext<Command> context,
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion,
      Journal journal,
      Replication replication) {
    super(context);
    this.replication = replication;
    this.settings = settings;
    // Snapshots resume a search only through its journal, which says how far it had got.
    this.snapshots = journal == null ? SnapshotSettings.OFF : snapshots;
    this.blocking = blocking;
    this.publisher = publisher;
    this.buildVersion = buildVersion;
    this.journal = journal;
  }

  /** Takes over the recovered searches and runs each unfinished one again from its start. */
  private void restore(List<SearchRecord> records) {
    for (SearchRecord record : records) {
      String id = record.id();
      nextOrdinal = Math.max(nextOrdinal, record.ordinal() + 1);
      order.add(id);
      if (replication != null && !record.isEnded()) {
        // The cluster places it: here or on another node, which then adopts it.
        searches.put(id, new Entry(record, null, null));
        follow(id, record);
        continue;
      }
      takeOver(record, "was unfinished when the server stopped");
    }
  }

  /**
   * Starts a coordinator for an unfinished journaled search that continues from its newest snapshot
   * (or its start): from sequence 0, which the coordinator moves on to the snapshot's.
   */
  private ActorRef<SearchCoordinator.Command> startResumed(
      SearchRecord record, ActorRef<SearchJournal.Command> writer) {
    AtomicReference<ActorRef<SearchCoordinator.Command>> coordinator = new AtomicReference<>();
    record.resume(
        0,
        entry -> writer.tell(new SearchJournal.Write(entry)),
        reason -> {
          ActorRef<SearchCoordinator.Command> c = coordinator.get();
          if (c != null) {
            c.tell(new SearchCoordinator.Diverged(reason));
          }
        });
    coordinator.set(spawnCoordinator(record));
    return coordinator.get();
  }

  private ActorRef<SearchJournal.Command> spawnWriter(String id, long ordinal) {
    ActorRef<SearchJournal.Command> writer =
        getContext()
            .spawn(
                SearchJournal.create(id, getContext().getSelf()),
                "journal-" + ordinal + "-" + (incarnation++));
    getContext().watchWith(writer, new WriterStopped(id, writer));
    return writer;
  }

  private ActorRef<SearchCoordinator.Command> spawnCoordinator(SearchRecord record) {
    // A resumed search gets a new coordinator while the paused one may still be stopping.
    return getContext()
        .spawn(
            SearchCoordinator.create(
                record, settings, snapshots, blocking, publisher, buildVersion),
            "search-" + record.ordinal() + "-" + (incarnation++));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Create.class, this::onCreate)
        .onMessage(
            Get.class,
            m -> {
              Entry e = searches.get(m.id());
              m.replyTo()
                  .tell(
                      e == null
                          ? Reply.error(SearchBackendException.NotFound.search(m.id()))
                          : Reply.ok(e.record().info()));
              return this;
            })
        .onMessage(ListSearches.class, this::onList)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Pause.class, this::onPause)
        .onMessage(Resume.class, this::onResume)
        .onMessage(PauseSettled.class, this::onPauseSettled)
        .onMessage(
            GetEventLog.class,
            m -> {
              withRecord(m.id(), m.replyTo(), SearchRecord::log);
              return this;
            })
        .onMessage(
            GetArchitecture.class,
            m -> {
              withRecord(
                  m.id(),
                  m.replyTo(),
                  record -> {
                    HistoryEntry entry = record.historyAt(m.index());
                    if (entry == null) {
                      throw SearchBackendException.NotFound.architecture(
                          m.id(), m.index(), record.historySize());
                    }
                    return entry;
                  });
              return this;
            })
        .onMessage(
            ListArchitectures.class,
            m -> {
              withRecord(
                  m.id(),
                  m.replyTo(),
                  record -> record.historyPage(m.pageSize(), m.cursor(), m.order()));
              return this;
            })
        .onMessage(Delete.class, this::onDelete)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(Suspended.class, this::afterSuspend)
        .onMessage(JournalSettled.class, this::onSettled)
        .onMessage(
            CreateJournaled.class,
            m -> {
              if (m.failure() != null) {
                getContext()
                    .getLog()
                    .error(
                        "search {}: its creation was not journaled within {}",
                        m.info().id(),
                        settings.askTimeout(),
                        m.failure());
              } else if (replication != null) {
                replication.created(m.info().id());
              }
              m.replyTo().tell(Reply.ok(m.info()));
              return this;
            })
        .onMessage(WriterStopped.class, this::onWriterStopped)
        .onMessage(Track.class, this::onTrack)
        .onMessage(Discover.class, this::onDiscover)
        .onMessage(ReplicaRead.class, this::onReplicaRead)
        .onMessage(ReplicaBatch.class, this::onReplicaBatch)
        .onMessage(Forget.class, this::onForget)
        .onMessage(Adopt.class, this::onAdopt)
        .onMessage(AdoptRead.class, this::onAdoptRead)
        .onMessage(
            Orphans.class,
            m -> {
              List<String> orphans = new ArrayList<>();
              for (String id : replicas.keySet()) {
                SearchInfo info = searches.get(id).record().info();
                if (!searches.get(id).record().isEnded()
                    && !info.paused()
                    && !adopting.containsKey(id)) {
                  orphans.add(id);
                }
              }
              m.replyTo().tell(orphans);
              return this;
            })
        .onMessage(
            Recover.class,
            m -> {
              m.replyTo()
                  .tell(
                      Reply.error(
                          new SearchBackendException.FailedPrecondition(
                              "journal",
                              journal == null
                                  ? "this server keeps no journal"
                                  : "the searches are recovered")));
              return this;
            })
        .build();
  }

  /**
   * Answers from a search's full record: the one in the heap, or for an ended search whose log was
   * released, the one rebuilt from its journal entries (read off the actor's thread).
   */
  private <T> void withRecord(
      String id, ActorRef<Reply<T>> replyTo, Function<SearchRecord, T> answer) {
    Entry e = searches.get(id);
    if (e == null) {
      replyTo.tell(Reply.error(SearchBackendException.NotFound.search(id)));
      return;
    }
    SearchRecord record = e.record();
    if (!record.isReleased()) {
      replyTo.tell(answer(record, answer));
      return;
    }
    SearchRecord cached = rebuilt.get(id);
    if (cached != null) {
      replyTo.tell(answer(cached, answer));
      return;
    }
    journal
        .entries(id)
        .thenApplyAsync(SearchRecord::fromJournal, blocking)
        .whenComplete(
            (full, failure) -> {
              if (failure != null) {
                log.error("reading search {} from the journal failed", id, failure);
                replyTo.tell(
                    Reply.error(
                        new SearchBackendException.FailedPrecondition(
                            "search " + SearchBackendException.quote(id),
                            "its events could not be read from the journal (see the server log)")));
                return;
              }
              rebuilt.put(id, full);
              replyTo.tell(answer(full, answer));
            });
  }

  private static <T> Reply<T> answer(SearchRecord record, Function<SearchRecord, T> answer) {
    try {
      return Reply.ok(answer.apply(record));
    } catch (SearchBackendException refusal) {
      return Reply.error(refusal);
    }
  }

  private Behavior<Command> onCreate(Create m) {
    String id =
        m.requestedId() == null || m.requestedId().isEmpty()
            ? UUID.randomUUID().toString()
            : m.requestedId();
    if (searches.containsKey(id) || adopting.containsKey(id) || discovering.containsKey(id)) {
      m.replyTo().tell(Reply.error(SearchBackendException.AlreadyExists.search(id)));
      return this;
    }
    long running =
        searches.entrySet().stream()
            .filter(e -> !replicas.containsKey(e.getKey()))
            .filter(e -> !e.getValue().record().info().phase().isTerminal())
            .count();
    if (running >= settings.maxConcurrentSearches()) {
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.ResourceExhausted(
                      "running searches",
                      settings.maxConcurrentSearches(),
                      "enas.max-concurrent-searches")));
      return this;
    }
    long ordinal = nextOrdinal++;
    SearchRecord record;
    ActorRef<SearchJournal.Command> writer = null;
    if (journal == null) {
      record = new SearchRecord(id, m.spec(), Instant.now());
      record.setOrdinal(ordinal);
    } else {
      ActorRef<SearchJournal.Command> w = spawnWriter(id, ordinal);
      writer = w;
      record =
          SearchRecord.journaled(
              id,
              ordinal,
              m.spec(),
              Instant.now(),
              entry -> w.tell(new SearchJournal.Write(entry)));
    }
    ActorRef<SearchCoordinator.Command> coordinator = spawnCoordinator(record);
    searches.put(id, new Entry(record, coordinator, writer));
    order.add(id);
    if (replication != null) {
      getContext().getLog().info("search {} is placed here; starting it", id);
    }
    if (writer == null) {
      m.replyTo().tell(Reply.ok(record.info()));
    } else {
      // The answer waits for the writer: it persists in order, so the flush completes once the
      // creation entry is on disk.
      SearchInfo info = record.info();
      getContext()
          .ask(
              Done.class,
              writer,
              settings.askTimeout(),
              SearchJournal.Flush::new,
              (done, failure) -> new CreateJournaled(m.replyTo(), info, failure));
    }
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
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.FailedPrecondition(
                      "search " + SearchBackendException.quote(m.id()),
                      "search "
                          + SearchBackendException.quote(m.id())
                          + " already ended as "
                          + info.phase().name().toLowerCase(java.util.Locale.ROOT)
                          + "; only a running search can be cancelled")));
      return this;
    }
    if (e.coordinator() != null) {
      e.coordinator().tell(new SearchCoordinator.Cancel(m.reason()));
    } else if (!info.phase().isTerminal()) {
      // A paused search has no coordinator to stop: it ends here.
      String reason =
          m.reason() == null || m.reason().isBlank() ? "cancelled on request" : m.reason();
      e.record().emitEnd(new SearchEvent.PhaseChanged(Phase.CANCELLED));
      e.record().emitEnd(new SearchEvent.Cancelled(reason));
    }
    m.replyTo().tell(Reply.ok(info));
    return this;
  }

  private Behavior<Command> onPause(Pause m) {
    Entry e = searches.get(m.id());
    if (e == null) {
      m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(m.id())));
      return this;
    }
    SearchInfo info = e.record().info();
    String search = "search " + SearchBackendException.quote(m.id());
    if (info.phase().isTerminal()) {
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.FailedPrecondition(
                      search,
                      search
                          + " already ended as "
                          + info.phase().name().toLowerCase(java.util.Locale.ROOT)
                          + "; only a running search can be paused")));
      return this;
    }
    if (journal == null || !e.record().isJournaled()) {
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.FailedPrecondition(
                      "journal",
                      "this server keeps no journal, so a paused search could not keep its place")));
      return this;
    }
    m.replyTo().tell(Reply.ok(info));
    if (info.paused()) {
      return this;
    }
    e.record().setPaused(true);
    ActorRef<SearchCoordinator.Command> coordinator = e.coordinator();
    if (coordinator != null) {
      getContext()
          .pipeToSelf(
              AskPattern.<SearchCoordinator.Command, Done>ask(
                  coordinator,
                  SearchCoordinator.Suspend::new,
                  settings.stepTimeout(),
                  getContext().getSystem().scheduler()),
              (done, failure) -> new PauseSettled(m.id(), coordinator));
    }
    getContext().getLog().info("pausing search {}", m.id());
    return this;
  }

  /**
   * The paused search's snapshot is written: its coordinator stops and frees the memory. If it was
   * resumed meanwhile, a new coordinator continues it from that snapshot.
   */
  private Behavior<Command> onPauseSettled(PauseSettled m) {
    Entry e = searches.get(m.id());
    if (e == null || e.coordinator() != m.coordinator()) {
      return this;
    }
    getContext().stop(m.coordinator());
    SearchRecord record = e.record();
    if (record.info().phase().isTerminal() || e.writer() == null) {
      searches.put(m.id(), new Entry(record, null, e.writer()));
      return this;
    }
    ActorRef<SearchCoordinator.Command> next =
        record.isPaused() ? null : startResumed(record, e.writer());
    searches.put(m.id(), new Entry(record, next, e.writer()));
    return this;
  }

  private Behavior<Command> onResume(Resume m) {
    Entry e = searches.get(m.id());
    if (e == null) {
      m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(m.id())));
      return this;
    }
    SearchInfo info = e.record().info();
    m.replyTo().tell(Reply.ok(info));
    if (!info.paused()) {
      return this;
    }
    e.record().setPaused(false);
    getContext().getLog().info("resuming search {}", m.id());
    // While the pause is still settling, its answer starts the new coordinator.
    if (e.coordinator() == null && e.writer() != null) {
      searches.put(m.id(), new Entry(e.record(), startResumed(e.record(), e.writer()), e.writer()));
    }
    return this;
  }

  private Behavior<Command> onDelete(Delete m) {
    Entry e = searches.get(m.id());
    if (e == null) {
      m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(m.id())));
      return this;
    }
    SearchInfo info = e.record().info();
    String search = "search " + SearchBackendException.quote(m.id());
    if (!info.phase().isTerminal()) {
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.FailedPrecondition(
                      search,
                      search
                          + " is "
                          + info.phase().name().toLowerCase(java.util.Locale.ROOT)
                          + "; only an ended search can be deleted (cancel it first)")));
      return this;
    }
    if (e.writer() != null) {
      m.replyTo()
          .tell(
              Reply.error(
                  new SearchBackendException.FailedPrecondition(
                      search,
                      search
                          + " has just ended and its last events are still being written to the "
                          + "journal; delete it again in a moment")));
      return this;
    }
    searches.remove(m.id());
    order.remove(m.id());
    rebuilt.remove(m.id());
    if (e.coordinator() != null) {
      getContext().stop(e.coordinator());
    }
    if (journal == null) {
      m.replyTo().tell(Reply.ok(info));
      return this;
    }
    String id = m.id();
    CompletableFuture.runAsync(
            () -> {
              try {
                journal.delete(id);
              } catch (SQLException ex) {
                throw new IllegalStateException(ex);
              }
            },
            blocking)
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                log.error("deleting search {} from the journal failed", id, failure);
                m.replyTo()
                    .tell(
                        Reply.error(
                            new SearchBackendException.FailedPrecondition(
                                search,
                                "its events could not be deleted from the journal (see the server log); it is "
                                    + "back after the next start")));
              } else {
                if (replication != null) {
                  replication.deleted(id);
                }
                m.replyTo().tell(Reply.ok(info));
              }
            });
    return this;
  }

  /**
   * Asks every running journaled search to snapshot itself at its next step boundary and stop
   * taking steps; once all have answered (or the drain's time is up), {@link #afterSuspend} stops
   * them and flushes the journal.
   */
  private Behavior<Command> onDrain(Drain m) {
    List<CompletableFuture<Done>> suspended = new ArrayList<>();
    for (Entry e : searches.values()) {
      if (e.coordinator() != null
          && e.record().isJournaled()
          && !e.record().info().phase().isTerminal()) {
        suspended.add(
            AskPattern.<SearchCoordinator.Command, Done>ask(
                    e.coordinator(),
                    SearchCoordinator.Suspend::new,
                    m.timeout(),
                    getContext().getSystem().scheduler())
                .toCompletableFuture()
                .exceptionally(
                    failure -> {
                      log.warn(
                          "a search did not snapshot within {}; the next start resumes it from an "
                              + "older snapshot",
                          m.timeout());
                      return Done.getInstance();
                    }));
      }
    }
    getContext()
        .pipeToSelf(
            CompletableFuture.allOf(suspended.toArray(CompletableFuture[]::new)),
            (ok, failure) -> new Suspended(m));
    return this;
  }

  private Behavior<Command> afterSuspend(Suspended s) {
    Drain m = s.drain();
    List<CompletableFuture<Done>> flushed = new ArrayList<>();
    for (Entry e : searches.values()) {
      if (e.coordinator() != null && e.record().isJournaled()) {
        getContext().stop(e.coordinator());
      }
      if (e.writer() != null) {
        // A writer that has just written its search's end stops by itself: no answer, and none
        // needed, so a timeout counts as written.
        flushed.add(
            AskPattern.<SearchJournal.Command, Done>ask(
                    e.writer(),
                    SearchJournal.Flush::new,
                    m.timeout(),
                    getContext().getSystem().scheduler())
                .toCompletableFuture()
                .exceptionally(failure -> Done.getInstance()));
      }
    }
    CompletableFuture.allOf(flushed.toArray(CompletableFuture[]::new))
        .thenRun(() -> m.replyTo().tell(Reply.ok(flushed.size())));
    return this;
  }

  /** The search's end is in the journal: keep only its summary in the heap. */
  private Behavior<Command> onSettled(JournalSettled m) {
    Entry e = searches.get(m.id());
    if (e == null) {
      return this;
    }
    e.record().release();
    if (e.coordinator() != null) {
      getContext().stop(e.coordinator());
    }
    if (e.writer() != null) {
      getContext().unwatch(e.writer());
      getContext().stop(e.writer());
    }
    searches.put(m.id(), new Entry(e.record(), null, null));
    deleteSnapshots(m.id());
    if (replication != null) {
      replication.ended(m.id());
    }
    return this;
  }

  /**
   * Removes an ended search's snapshots: its journal holds all it did, and nothing resumes it. Off
   * the actor's thread; a failure only leaves files behind, said in the log.
   */
  private void deleteSnapshots(String id) {
    if (!snapshots.enabled()) {
      return;
    }
    java.nio.file.Path folder = snapshots.of(id);
    CompletableFuture.runAsync(
        () -> {
          try {
            if (java.nio.file.Files.isDirectory(folder)) {
              try (var files = java.nio.file.Files.list(folder)) {
                for (java.nio.file.Path file : files.toList()) {
                  java.nio.file.Files.deleteIfExists(file);
                }
              }
              java.nio.file.Files.deleteIfExists(folder);
            }
          } catch (java.io.IOException ex) {
            log.warn("could not delete the snapshots of ended search {} in {}", id, folder, ex);
          }
        },
        blocking);
  }

  /**
   * A journal write failed and its writer stopped: the journal keeps what was written before, the
   * search goes on in memory, and the next start computes the rest again. The search's log stays in
   * the heap, since the journal does not hold all of it.
   */
  private Behavior<Command> onWriterStopped(WriterStopped m) {
    Entry e = searches.get(m.id());
    if (e == null || e.writer() != m.writer()) {
      return this;
    }
    if (replication != null && !e.record().isEnded()) {
      return demote(m.id(), e);
    }
    log.error(
        "the journal writer of search {} stopped after a failed write (see above); its "
            + "newer events are not in the journal and are computed again on the next start",
        m.id());
    searches.put(m.id(), new Entry(e.record(), e.coordinator(), null));
    return this;
  }

  // ---- Cluster: replicas of the searches other nodes run, and taking searches over ----

  /**
   * Cluster: a journal write of a search run here failed. Either another node writes this search
   * now (the cluster gave it away while this node was unreachable, and this node has not yet
   * learned that it was downed) or the database is away. Either way this node must not go on with
   * what the journal does not hold: it stops the run, cuts the watchers (who watch again from where
   * they were) and reads the search back from the journal as a replica. The cluster then places it
   * again (the keeper's next Ensure), and whoever runs it continues from the journal and the newest
   * snapshot.
   */
  private Behavior<Command> demote(String id, Entry e) {
    log.warn(
        "search {}: its journal write failed, so this node stops running it; it is read back "
            + "from the journal and the cluster places it again",
        id);
    if (e.coordinator() != null) {
      getContext().stop(e.coordinator());
    }
    e.record().stopWatchers();
    searches.remove(id);
    order.remove(id);
    rebuilt.remove(id);
    Replica replica = replicas.remove(id);
    if (replica != null) {
      replica.follower.shutdown();
    }
    getContext().getSelf().tell(new Discover(id, null));
    return this;
  }

  private Behavior<Command> onTrack(Track m) {
    String id = m.created().id();
    if (searches.containsKey(id) || adopting.containsKey(id) || discovering.containsKey(id)) {
      return this;
    }
    SearchRecord record = SearchRecord.fromJournal(List.of(m.created()));
    addReplica(record);
    return this;
  }

  private Behavior<Command> onDiscover(Discover m) {
    String id = m.id();
    if (journal == null || searches.containsKey(id) || adopting.containsKey(id)) {
      if (m.replyTo() != null) {
        m.replyTo().tell(Done.getInstance());
      }
      return this;
    }
    List<ActorRef<Done>> waiting = discovering.get(id);
    boolean reading = waiting != null;
    if (!reading) {
      waiting = new ArrayList<>();
      discovering.put(id, waiting);
    }
    if (m.replyTo() != null) {
      waiting.add(m.replyTo());
    }
    if (reading) {
      return this;
    }
    getContext()
        .pipeToSelf(
            journal.entriesFrom(id, 1),
            (entries, failure) -> new ReplicaRead(id, entries, failure));
    return this;
  }

  private Behavior<Command> onReplicaRead(ReplicaRead m) {
    List<ActorRef<Done>> waiting = discovering.remove(m.id());
    if (waiting != null) {
      // Told after this message is handled: the manager's next message sees the replica.
      waiting.forEach(w -> w.tell(Done.getInstance()));
    }
    if (m.failure() != null) {
      log.warn("reading search {} from the journal failed; it is read again later", m.id());
      return this;
    }
    if (m.entries().isEmpty() || searches.containsKey(m.id()) || adopting.containsKey(m.id())) {
      return this;
    }
    SearchRecord record;
    try {
      record = SearchRecord.fromJournal(entriesOf(m.entries()));
    } catch (IllegalArgumentException e) {
      log.error("search {} in the journal cannot be read", m.id(), e);
      return this;
    }
    addReplica(record);
    return this;
  }

  /** Adds a search another node runs, in creation order, and follows it unless it has ended. */
  private void addReplica(SearchRecord record) {
    String id = record.id();
    nextOrdinal = Math.max(nextOrdinal, record.ordinal() + 1);
    insertInOrder(record);
    searches.put(id, new Entry(record, null, null));
    log.debug(
        "search {}: a replica of its {} journal entries, {}",
        id,
        record.journalEntries(),
        record.info().phase());
    if (record.isEnded()) {
      record.release();
    } else {
      follow(id, record);
    }
  }

  /**
   * Puts a search from the journal into the creation order by its ordinal (nodes of a cluster
   * create searches at the same time, so they are not always learned in order).
   */
  private void insertInOrder(SearchRecord record) {
    int at = order.size();
    while (at > 0 && searches.get(order.get(at - 1)).record().ordinal() > record.ordinal()) {
      at--;
    }
    order.add(at, record.id());
  }

  private static List<JournalEvent> entriesOf(List<Journal.Sequenced> entries) {
    return entries.stream().map(Journal.Sequenced::entry).toList();
  }

  /** Follows a replica's journal from the entry after those it holds. */
  private void follow(String id, SearchRecord record) {
    Replica replica = new Replica();
    replicas.put(id, replica);
    ActorRef<Command> self = getContext().getSelf();
    replica.follower =
        journal.follow(
            id, record.journalEntries() + 1, batch -> self.tell(new ReplicaBatch(id, batch)));
  }

  private Behavior<Command> onReplicaBatch(ReplicaBatch m) {
    Replica replica = replicas.get(m.id());
    Entry e = searches.get(m.id());
    if (replica == null || e == null || adopting.containsKey(m.id())) {
      log.debug("search {}: replica entries ignored (no replica, or being taken over)", m.id());
      return this;
    }
    SearchRecord record = e.record();
    if (log.isDebugEnabled() && !m.entries().isEmpty()) {
      log.debug(
          "search {}: replica entries {}..{} arrive, {} folded before",
          m.id(),
          m.entries().get(0).sequenceNr(),
          m.entries().get(m.entries().size() - 1).sequenceNr(),
          record.journalEntries());
    }
    try {
      fold(record, m.entries());
    } catch (IllegalArgumentException ex) {
      log.error("search {}: its journal cannot be followed", m.id(), ex);
      replica.follower.shutdown();
      replicas.remove(m.id());
      return this;
    }
    if (record.isEnded()) {
      log.debug("search {}: the replica reached its end", m.id());
      replica.follower.shutdown();
      replicas.remove(m.id());
      record.release();
    }
    return this;
  }

  /** Folds the entries the record does not hold yet. */
  private static void fold(SearchRecord record, List<Journal.Sequenced> entries) {
    for (Journal.Sequenced s : entries) {
      if (s.sequenceNr() > record.journalEntries()) {
        record.applyJournaled(s.entry());
      }
    }
  }

  private Behavior<Command> onForget(Forget m) {
    Entry e = searches.get(m.id());
    if (e == null || e.coordinator() != null || e.writer() != null) {
      return this;
    }
    Replica replica = replicas.remove(m.id());
    if (replica != null) {
      replica.follower.shutdown();
    }
    searches.remove(m.id());
    order.remove(m.id());
    rebuilt.remove(m.id());
    return this;
  }

  private Behavior<Command> onAdopt(Adopt m) {
    String id = m.id();
    List<ActorRef<Reply<Boolean>>> waiting = adopting.get(id);
    if (waiting != null) {
      waiting.add(m.replyTo());
      return this;
    }
    Entry e = searches.get(id);
    Replica replica = replicas.get(id);
    if (e != null && replica == null) {
      // Run here already, or ended: nothing to take over.
      m.replyTo().tell(Reply.ok(!e.record().isEnded()));
      return this;
    }
    if (journal == null) {
      m.replyTo().tell(Reply.error(SearchBackendException.NotFound.search(id)));
      return this;
    }
    waiting = new ArrayList<>();
    waiting.add(m.replyTo());
    adopting.put(id, waiting);
    long from = 1;
    if (replica != null) {
      // The owner is gone: its journal is final. Read what the follower has not delivered yet.
      replica.follower.shutdown();
      from = e.record().journalEntries() + 1;
    }
    getContext()
        .pipeToSelf(
            journal.entriesFrom(id, from),
            (entries, failure) -> new AdoptRead(id, entries, failure));
    return this;
  }

  private Behavior<Command> onAdoptRead(AdoptRead m) {
    String id = m.id();
    List<ActorRef<Reply<Boolean>>> waiting = adopting.remove(id);
    if (waiting == null) {
      waiting = List.of();
    }
    Entry e = searches.get(id);
    if (m.failure() != null) {
      log.error("search {}: reading its journal to take it over failed", id, m.failure());
      if (e != null && replicas.containsKey(id)) {
        follow(id, e.record());
      }
      SearchBackendException refusal =
          new SearchBackendException.FailedPrecondition(
              "journal", "reading search " + SearchBackendException.quote(id) + " failed");
      waiting.forEach(w -> w.tell(Reply.error(refusal)));
      return this;
    }
    SearchRecord record;
    try {
      if (e == null) {
        if (m.entries().isEmpty()) {
          waiting.forEach(w -> w.tell(Reply.error(SearchBackendException.NotFound.search(id))));
          return this;
        }
        record = SearchRecord.fromJournal(entriesOf(m.entries()));
        nextOrdinal = Math.max(nextOrdinal, record.ordinal() + 1);
        insertInOrder(record);
      } else {
        record = e.record();
        fold(record, m.entries());
      }
    } catch (IllegalArgumentException ex) {
      log.error("search {}: its journal cannot be read to take it over", id, ex);
      SearchBackendException refusal =
          new SearchBackendException.FailedPrecondition(
              "journal",
              "search " + SearchBackendException.quote(id) + " has an unreadable journal");
      waiting.forEach(w -> w.tell(Reply.error(refusal)));
      return this;
    }
    replicas.remove(id);
    boolean unfinished = takeOver(record, "is placed here");
    waiting.forEach(w -> w.tell(Reply.ok(unfinished)));
    return this;
  }

  /**
   * Makes a search read from the journal this manager's own, at the start of a single server or
   * when the cluster places it here: an unfinished one gets a journal writer and, unless paused,
   * runs from its newest snapshot. {@code why} says in the log why it runs here. Answers whether it
   * is unfinished.
   */
  private boolean takeOver(SearchRecord record, String why) {
    String id = record.id();
    if (record.isEnded()) {
      if (!record.isReleased()) {
        record.release();
      }
      searches.put(id, new Entry(record, null, null));
      return false;
    }
    ActorRef<SearchJournal.Command> writer = spawnWriter(id, record.ordinal());
    if (record.isPaused()) {
      // Paused: it keeps its place, and its journal, until resumed.
      record.resume(0, entry -> writer.tell(new SearchJournal.Write(entry)), reason -> {});
      searches.put(id, new Entry(record, null, writer));
      getContext().getLog().info("search {} {}; it is paused, ResumeSearch continues it", id, why);
      return true;
    }
    searches.put(id, new Entry(record, startResumed(record, writer), writer));
    getContext()
        .getLog()
        .info(
            "search {} {}; resuming it over its {} journaled events",
            id,
            why,
            record.info().eventCount());
    return true;
  }
}
