package dev.enas.server.api;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchBackendException.AlreadyExists;
import dev.enas.server.domain.SearchBackendException.FailedPrecondition;
import dev.enas.server.domain.SearchBackendException.NotFound;
import dev.enas.server.domain.SearchBackendException.ResourceExhausted;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A {@link SearchBackend} without actors for the API tests: searches are records in a map, and a
 * test drives a search by appending events to its log with {@link #append}, which also updates what
 * GetSearch and the history report, as the real coordinator will. The one fake backend of the
 * server's tests (the HTTP tests use it too).
 */
public final class InMemorySearchBackend implements SearchBackend {
  private static final Comparator<HistoryEntry> BY_REWARD =
      Comparator.comparingDouble(HistoryEntry::reward)
          .reversed()
          .thenComparingLong(HistoryEntry::index);

  private final Clock clock = Clock.systemUTC();
  private final int maxActive;
  private final List<Entry> searches = new ArrayList<>();
  private final Map<String, Entry> byId = new HashMap<>();
  private final AtomicReference<RuntimeException> failNext = new AtomicReference<>();
  private int created;

  public InMemorySearchBackend(int maxActive) {
    this.maxActive = maxActive;
  }

  /** The next call fails with this exception, as a bug in the backend would. */
  void failNextCall(RuntimeException failure) {
    failNext.set(failure);
  }

  /** A search started directly, for tests that are not about CreateSearch. */
  String newSearch() {
    return create(SearchSpec.demo(), "").toCompletableFuture().join().id();
  }

  /** Appends an event to a search's log and updates its state; returns the sequence number. */
  long append(String id, SearchEvent event) {
    return appendTo(entry(id), event);
  }

  // Locks are taken backend first, then entry, never the other way round.
  private static long appendTo(Entry entry, SearchEvent event) {
    synchronized (entry) {
      long sequence = entry.log.append(event);
      entry.apply(sequence, event, entry.log.get(sequence).time());
      return sequence;
    }
  }

  /** Gives a search a published model, version 1 under the search's id, as a finished one has. */
  void publishModel(String id, byte[] bytes) {
    Entry entry = entry(id);
    synchronized (entry) {
      entry.model = new SearchInfo.Model(id, 1);
      entry.modelBytes = bytes.clone();
    }
  }

  public EventLog log(String id) {
    return entry(id).log;
  }

  /**
   * The log of a new search named {@code id}, for tests that write events straight into it (the
   * search's state then stays where it started).
   */
  public EventLog newLog(String id) {
    return log(create(SearchSpec.demo(), id).toCompletableFuture().join().id());
  }

  @Override
  public CompletionStage<SearchInfo> create(SearchSpec spec, String requestedId) {
    return call(
        () -> {
          synchronized (this) {
            if (!requestedId.isEmpty() && byId.containsKey(requestedId)) {
              throw AlreadyExists.search(requestedId);
            }
            long active = searches.stream().filter(e -> !e.snapshot().phase().isTerminal()).count();
            if (active >= maxActive) {
              throw new ResourceExhausted(
                  "concurrent searches", maxActive, "enas.search.max-concurrent");
            }
            created++;
            String id = requestedId.isEmpty() ? "s-" + created : requestedId;
            Entry entry = new Entry(id, spec, clock.instant());
            searches.add(entry);
            byId.put(id, entry);
            return entry.snapshot();
          }
        });
  }

  @Override
  public CompletionStage<SearchInfo> get(String id) {
    return call(() -> entry(id).snapshot());
  }

  @Override
  public CompletionStage<Page<SearchInfo>> list(int pageSize, long cursor, Set<Phase> phases) {
    return call(
        () -> {
          List<Entry> all;
          synchronized (this) {
            all = List.copyOf(searches);
          }
          // The cursor is one past the position of the next candidate, so filters that change while
          // a client pages never shift what the next page starts with.
          int start = cursor == 0 ? 0 : (int) (cursor - 1);
          List<SearchInfo> page = new ArrayList<>();
          for (int i = start; i < all.size(); i++) {
            SearchInfo info = all.get(i).snapshot();
            if (!phases.isEmpty() && !phases.contains(info.phase())) {
              continue;
            }
            if (page.size() == pageSize) {
              return new Page<>(page, i + 1, -1);
            }
            page.add(info);
          }
          return new Page<>(page, 0, -1);
        });
  }

  @Override
  public CompletionStage<SearchInfo> cancel(String id, String reason) {
    return call(
        () -> {
          Entry entry = entry(id);
          synchronized (entry) {
            Phase phase = entry.phase;
            if (phase == Phase.SUCCEEDED || phase == Phase.FAILED) {
              throw new FailedPrecondition(
                  "searches/" + id,
                  "search "
                      + SearchBackendException.quote(id)
                      + " already "
                      + phase
                      + "; only a pending or running search can be cancelled");
            }
            if (phase != Phase.CANCELLED) {
              appendTo(entry, new SearchEvent.Cancelled(reason));
            }
            return entry.snapshot();
          }
        });
  }

  @Override
  public CompletionStage<SearchInfo> delete(String id) {
    return call(
        () -> {
          Entry entry = entry(id);
          SearchInfo info = entry.snapshot();
          if (!info.phase().isTerminal()) {
            throw new FailedPrecondition(
                "searches/" + id,
                "search "
                    + SearchBackendException.quote(id)
                    + " has not ended; only an ended search can be deleted");
          }
          synchronized (this) {
            searches.remove(entry);
            byId.remove(id);
          }
          return info;
        });
  }

  @Override
  public CompletionStage<EventLog> eventLog(String id) {
    return call(() -> entry(id).log);
  }

  @Override
  public CompletionStage<HistoryEntry> architecture(String id, long index) {
    return call(
        () -> {
          Entry entry = entry(id);
          synchronized (entry) {
            if (index >= entry.history.size()) {
              throw NotFound.architecture(id, index, entry.history.size());
            }
            return entry.history.get((int) index);
          }
        });
  }

  @Override
  public CompletionStage<Page<HistoryEntry>> architectures(
      String id, int pageSize, long cursor, ArchitectureOrder order) {
    return call(
        () -> {
          Entry entry = entry(id);
          List<HistoryEntry> history;
          synchronized (entry) {
            history = List.copyOf(entry.history);
          }
          List<HistoryEntry> ordered = history;
          int start = 0;
          if (order == ArchitectureOrder.REWARD) {
            ordered = new ArrayList<>(history);
            ordered.sort(BY_REWARD);
          }
          if (cursor != 0) {
            // The cursor names the last entry returned (index + 1); the next page starts after it
            // in the requested order, wherever later samples have landed meanwhile.
            HistoryEntry last = history.get((int) (cursor - 1));
            start = ordered.indexOf(last) + 1;
          }
          int end = Math.min(ordered.size(), start + pageSize);
          List<HistoryEntry> page = ordered.subList(start, end);
          long next = end < ordered.size() ? page.get(page.size() - 1).index() + 1 : 0;
          return new Page<>(page, next, history.size());
        });
  }

  @Override
  public CompletionStage<ModelFile> model(String id, long version) {
    return call(
        () -> {
          Entry entry = entry(id);
          synchronized (entry) {
            if (entry.model == null) {
              throw NotFound.model(id, entry.phase.name());
            }
            if (version != 0 && version != entry.model.version()) {
              throw NotFound.modelVersion(id, entry.model.name(), version);
            }
            return new ModelFile(
                entry.model.name(), entry.model.version(), entry.modelBytes.clone());
          }
        });
  }

  private <T> CompletionStage<T> call(Supplier<T> body) {
    RuntimeException failure = failNext.getAndSet(null);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    try {
      return CompletableFuture.completedFuture(body.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private synchronized Entry entry(String id) {
    Entry entry = byId.get(id);
    if (entry == null) {
      throw NotFound.search(id);
    }
    return entry;
  }

  /** One search's state; guarded by its own monitor. */
  private static final class Entry {
    final String id;
    final SearchSpec spec;
    final EventLog log = new EventLog();
    final Instant createTime;
    final List<HistoryEntry> history = new ArrayList<>();
    Phase phase = Phase.PENDING;
    SearchInfo.Progress progress;
    SearchInfo.Scored best;
    SearchInfo.Result result;
    String failureReason = "";
    Instant updateTime;
    Instant startTime;
    Instant endTime;
    SearchInfo.Model model;
    byte[] modelBytes;

    Entry(String id, SearchSpec spec, Instant now) {
      this.id = id;
      this.spec = spec;
      this.createTime = now;
      this.updateTime = now;
      this.progress = SearchInfo.Progress.start(spec);
    }

    synchronized SearchInfo snapshot() {
      return new SearchInfo(
          id,
          spec,
          phase,
          progress,
          best,
          result,
          failureReason,
          createTime,
          updateTime,
          startTime,
          endTime,
          log.size(),
          model);
    }

    void apply(long sequence, SearchEvent event, Instant time) {
      SearchInfo.Progress p = progress;
      updateTime = time;
      if (event instanceof SearchEvent.PhaseChanged e) {
        enter(e.phase(), time);
      } else if (event instanceof SearchEvent.ChildTrained e) {
        progress =
            new SearchInfo.Progress(
                p.epoch(),
                p.epochs(),
                Math.max(p.steps(), e.step()),
                p.controllerUpdates(),
                p.architecturesSampled(),
                p.finalEpoch(),
                p.finalEpochs());
      } else if (event instanceof SearchEvent.ArchitectureSampled e) {
        history.add(
            new HistoryEntry(
                history.size(),
                sequence,
                time,
                e.epoch(),
                e.policyVersion(),
                e.architecture(),
                e.reward(),
                e.logProbability(),
                e.entropy(),
                e.baseline()));
        progress =
            new SearchInfo.Progress(
                p.epoch(),
                p.epochs(),
                p.steps(),
                p.controllerUpdates(),
                history.size(),
                p.finalEpoch(),
                p.finalEpochs());
        if (best == null || e.reward() > best.reward()) {
          best = new SearchInfo.Scored(e.architecture(), e.reward());
        }
      } else if (event instanceof SearchEvent.ControllerUpdated e) {
        progress =
            new SearchInfo.Progress(
                p.epoch(),
                p.epochs(),
                p.steps(),
                Math.max(p.controllerUpdates(), e.policyVersion()),
                p.architecturesSampled(),
                p.finalEpoch(),
                p.finalEpochs());
      } else if (event instanceof SearchEvent.EpochFinished e) {
        progress =
            new SearchInfo.Progress(
                e.epoch(),
                p.epochs(),
                p.steps(),
                p.controllerUpdates(),
                p.architecturesSampled(),
                p.finalEpoch(),
                p.finalEpochs());
      } else if (event instanceof SearchEvent.FinalTrainingProgress e) {
        progress =
            new SearchInfo.Progress(
                p.epoch(),
                p.epochs(),
                p.steps(),
                p.controllerUpdates(),
                p.architecturesSampled(),
                e.epoch(),
                p.finalEpochs());
      } else if (event instanceof SearchEvent.Finished e) {
        result = new SearchInfo.Result(e.architecture(), e.testAccuracy(), e.parameters());
        enter(Phase.SUCCEEDED, time);
      } else if (event instanceof SearchEvent.Failed e) {
        failureReason = e.reason();
        enter(Phase.FAILED, time);
      } else if (event instanceof SearchEvent.Cancelled e) {
        failureReason = e.reason();
        enter(Phase.CANCELLED, time);
      }
    }

    private void enter(Phase next, Instant time) {
      phase = next;
      if (startTime == null && next != Phase.PENDING) {
        startTime = time;
      }
      if (next.isTerminal()) {
        endTime = time;
      }
    }
  }
}
