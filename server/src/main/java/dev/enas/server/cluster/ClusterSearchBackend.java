package dev.enas.server.cluster;

import dev.enas.server.actor.SearchManager;
import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The searches as one node of a cluster serves them. Reads (a search, the list, the events, the
 * history, the model) answer from this node's manager, which runs some searches and replicates the
 * rest from the shared journal; a replica trails the owning node by the journal's poll interval.
 * Creates and controls go through Cluster Sharding to the search's entity, on the node that runs
 * (or is to run) the search, and the refusal that node gives is the caller's.
 */
final class ClusterSearchBackend implements SearchBackend {
  private final SearchBackend local;
  private final ActorRef<SearchManager.Command> manager;
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration timeout;

  ClusterSearchBackend(
      SearchBackend local,
      ActorRef<SearchManager.Command> manager,
      ActorSystem<?> system,
      ClusterSharding sharding,
      Duration timeout) {
    this.local = local;
    this.manager = manager;
    this.system = system;
    this.sharding = sharding;
    // A create or control may wait for the owner to read the search's journal to take it over.
    this.timeout = timeout.multipliedBy(3);
  }

  @Override
  public CompletionStage<SearchInfo> create(SearchSpec spec, String requestedId) {
    String id =
        requestedId == null || requestedId.isEmpty() ? UUID.randomUUID().toString() : requestedId;
    return sharding
        .entityRefFor(SearchEntity.TYPE_KEY, id)
        .<Answer>ask(replyTo -> new SearchEntity.Create(spec, replyTo), timeout)
        .thenCompose(
            answer ->
                answer.ok()
                    ? known(id).thenCompose(done -> local.get(id))
                    : CompletableFuture.failedFuture(answer.refusal()));
  }

  /** Completes once this node's manager knows the search, if the journal holds it. */
  private CompletionStage<Done> known(String id) {
    return AskPattern.<SearchManager.Command, Done>ask(
        manager, replyTo -> new SearchManager.Discover(id, replyTo), timeout, system.scheduler());
  }

  private CompletionStage<SearchInfo> control(
      String id, SearchEntity.Action action, String reason) {
    // The search as it was: read before the control, from this node's view.
    return known(id)
        .thenCompose(done -> local.get(id))
        .thenCompose(
            before ->
                sharding
                    .entityRefFor(SearchEntity.TYPE_KEY, id)
                    .<Answer>ask(
                        replyTo -> new SearchEntity.Control(action, reason, replyTo), timeout)
                    .thenCompose(
                        answer -> {
                          if (!answer.ok()) {
                            return CompletableFuture.failedFuture(answer.refusal());
                          }
                          if (action == SearchEntity.Action.DELETE) {
                            manager.tell(new SearchManager.Forget(id));
                          }
                          return CompletableFuture.completedFuture(before);
                        }));
  }

  @Override
  public CompletionStage<SearchInfo> cancel(String id, String reason) {
    return control(id, SearchEntity.Action.CANCEL, reason == null ? "" : reason);
  }

  @Override
  public CompletionStage<SearchInfo> pause(String id) {
    return control(id, SearchEntity.Action.PAUSE, "");
  }

  @Override
  public CompletionStage<SearchInfo> resume(String id) {
    return control(id, SearchEntity.Action.RESUME, "");
  }

  @Override
  public CompletionStage<SearchInfo> delete(String id) {
    return control(id, SearchEntity.Action.DELETE, "");
  }

  @Override
  public CompletionStage<SearchInfo> get(String id) {
    return local.get(id);
  }

  @Override
  public CompletionStage<Page<SearchInfo>> list(int pageSize, long cursor, Set<Phase> phases) {
    return local.list(pageSize, cursor, phases);
  }

  @Override
  public CompletionStage<EventLog> eventLog(String id) {
    return local.eventLog(id);
  }

  @Override
  public CompletionStage<HistoryEntry> architecture(String id, long index) {
    return local.architecture(id, index);
  }

  @Override
  public CompletionStage<Page<HistoryEntry>> architectures(
      String id, int pageSize, long cursor, ArchitectureOrder order) {
    return local.architectures(id, pageSize, cursor, order);
  }

  @Override
  public CompletionStage<ModelFile> model(String id, long version) {
    return local.model(id, version);
  }
}
