package dev.enas.server.actor;

import dev.enas.server.api.ArchitectureOrder;
import dev.enas.server.api.HistoryEntry;
import dev.enas.server.api.Page;
import dev.enas.server.api.SearchBackend;
import dev.enas.server.api.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The edge between gRPC and the actors: each API call becomes one ask to the
 * {@link SearchManager} with the configured timeout, and a refusal becomes the failed stage the
 * API maps to a status code.
 */
public final class ActorSearchBackend implements SearchBackend {
  private final ActorRef<SearchManager.Command> manager;
  private final ActorSystem<?> system;
  private final Duration timeout;

  public ActorSearchBackend(
      ActorRef<SearchManager.Command> manager, ActorSystem<?> system, Duration timeout) {
    this.manager = manager;
    this.system = system;
    this.timeout = timeout;
  }

  private <T> CompletionStage<T> ask(
      Function<ActorRef<SearchManager.Reply<T>>, SearchManager.Command> message) {
    return AskPattern.<SearchManager.Command, SearchManager.Reply<T>>ask(
            manager, message::apply, timeout, system.scheduler())
        .thenCompose(reply -> reply.error() != null
            ? CompletableFuture.failedFuture(reply.error())
            : CompletableFuture.completedFuture(reply.value()));
  }

  @Override
  public CompletionStage<SearchInfo> create(SearchSpec spec, String requestedId) {
    return ask(replyTo -> new SearchManager.Create(spec, requestedId, replyTo));
  }

  @Override
  public CompletionStage<SearchInfo> get(String id) {
    return ask(replyTo -> new SearchManager.Get(id, replyTo));
  }

  @Override
  public CompletionStage<Page<SearchInfo>> list(int pageSize, long cursor, Set<Phase> phases) {
    return ask(replyTo -> new SearchManager.ListSearches(pageSize, cursor, phases, replyTo));
  }

  @Override
  public CompletionStage<SearchInfo> cancel(String id, String reason) {
    return ask(replyTo -> new SearchManager.Cancel(id, reason, replyTo));
  }

  @Override
  public CompletionStage<EventLog> eventLog(String id) {
    return ask(replyTo -> new SearchManager.GetEventLog(id, replyTo));
  }

  @Override
  public CompletionStage<HistoryEntry> architecture(String id, long index) {
    return ask(replyTo -> new SearchManager.GetArchitecture(id, index, replyTo));
  }

  @Override
  public CompletionStage<Page<HistoryEntry>> architectures(
      String id, int pageSize, long cursor, ArchitectureOrder order) {
    return ask(replyTo -> new SearchManager.ListArchitectures(id, pageSize, cursor, order, replyTo));
  }
}
