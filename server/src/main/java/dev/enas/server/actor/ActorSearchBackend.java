package dev.enas.server.actor;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.serving.ModelRepository;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The edge between gRPC and the actors: each API call becomes one ask to the {@link SearchManager}
 * with the configured timeout, and a refusal becomes the failed stage the API maps to a status
 * code. Model files are read from the model repository on the blocking executor, after the manager
 * said which model the search published.
 */
public final class ActorSearchBackend implements SearchBackend {
  private final ActorRef<SearchManager.Command> manager;
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final ModelRepository models;
  private final Executor blocking;

  /**
   * @param models where searches publish their models
   * @param blocking reads model files
   */
  public ActorSearchBackend(
      ActorRef<SearchManager.Command> manager,
      ActorSystem<?> system,
      Duration timeout,
      ModelRepository models,
      Executor blocking) {
    this.manager = manager;
    this.system = system;
    this.timeout = timeout;
    this.models = models;
    this.blocking = blocking;
  }

  private <T> CompletionStage<T> ask(
      Function<ActorRef<SearchManager.Reply<T>>, SearchManager.Command> message) {
    return AskPattern.<SearchManager.Command, SearchManager.Reply<T>>ask(
            manager, message::apply, timeout, system.scheduler())
        .thenCompose(
            reply ->
                reply.error() != null
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
  public CompletionStage<SearchInfo> pause(String id) {
    return ask(replyTo -> new SearchManager.Pause(id, replyTo));
  }

  @Override
  public CompletionStage<SearchInfo> resume(String id) {
    return ask(replyTo -> new SearchManager.Resume(id, replyTo));
  }

  @Override
  public CompletionStage<SearchInfo> delete(String id) {
    return ask(replyTo -> new SearchManager.Delete(id, replyTo));
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
    return ask(
        replyTo -> new SearchManager.ListArchitectures(id, pageSize, cursor, order, replyTo));
  }

  @Override
  public CompletionStage<ModelFile> model(String id, long version) {
    return get(id)
        .thenApplyAsync(
            info -> {
              if (info.model() == null) {
                throw SearchBackendException.NotFound.model(
                    id, info.phase().name().toLowerCase(Locale.ROOT));
              }
              String name = info.model().name();
              long wanted = version == 0 ? info.model().version() : version;
              try {
                byte[] bytes =
                    models
                        .read(name, wanted)
                        .orElseThrow(
                            () -> SearchBackendException.NotFound.modelVersion(id, name, wanted));
                return new ModelFile(name, wanted, bytes);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            blocking);
  }
}
