package dev.enas.server.actor;

import dev.enas.server.api.ArchitectureOrder;
import dev.enas.server.api.HistoryEntry;
import dev.enas.server.api.Page;
import dev.enas.server.api.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything known about one search, kept as it happens: its event log, the sampled history and
 * the {@link SearchInfo} both are summarised into. Only the search's coordinator writes (through
 * {@link #emit}); readers (the manager answering the API) get immutable snapshots, so no ask to a
 * busy coordinator is needed to read a search.
 */
final class SearchRecord {
  private final EventLog log = new EventLog();
  private final List<HistoryEntry> history = new ArrayList<>();
  private volatile SearchInfo info;
  // Sorted view of the history by reward, rebuilt lazily for reward-ordered pages.
  private List<HistoryEntry> byReward;

  SearchRecord(String id, SearchSpec spec, Instant created) {
    this.info = new SearchInfo(id, spec, Phase.PENDING, SearchInfo.Progress.start(spec), null,
        null, "", created, created, null, null, 0, null);
  }

  SearchInfo info() {
    return info;
  }

  EventLog log() {
    return log;
  }

  String id() {
    return info.id();
  }

  /**
   * Appends an event to the log and folds it into the summary and the history, before the log lets
   * any watcher see it: a client that watched up to an event and then reads the search must find
   * that event counted.
   */
  synchronized void emit(SearchEvent event) {
    log.append(event, this::fold);
  }

  private void fold(LoggedEvent logged) {
    SearchEvent event = logged.event();
    long sequence = logged.sequence();
    Instant time = logged.time();
    SearchInfo i = info;
    SearchInfo.Progress p = i.progress();
    Phase phase = i.phase();
    SearchInfo.Scored best = i.best();
    SearchInfo.Result result = i.result();
    String reason = i.failureReason();
    Instant start = i.startTime();
    Instant end = i.endTime();
    if (event instanceof SearchEvent.PhaseChanged c) {
      phase = c.phase();
      if (start == null && phase != Phase.PENDING) {
        start = time;
      }
      if (phase.isTerminal()) {
        end = time;
      }
    } else if (event instanceof SearchEvent.ChildTrained || event instanceof SearchEvent.StepSkipped) {
      p = new SearchInfo.Progress(p.epoch(), p.epochs(), p.steps() + 1, p.controllerUpdates(),
          p.architecturesSampled(), p.finalEpoch(), p.finalEpochs());
    } else if (event instanceof SearchEvent.ArchitectureSampled a) {
      history.add(new HistoryEntry(history.size(), sequence, time, a.epoch(), a.policyVersion(),
          a.architecture(), a.reward(), a.logProbability(), a.entropy(), a.baseline()));
      byReward = null;
      p = new SearchInfo.Progress(p.epoch(), p.epochs(), p.steps(), p.controllerUpdates(),
          history.size(), p.finalEpoch(), p.finalEpochs());
      if (best == null || a.reward() > best.reward()) {
        best = new SearchInfo.Scored(a.architecture(), a.reward());
      }
    } else if (event instanceof SearchEvent.ControllerUpdated) {
      p = new SearchInfo.Progress(p.epoch(), p.epochs(), p.steps(), p.controllerUpdates() + 1,
          p.architecturesSampled(), p.finalEpoch(), p.finalEpochs());
    } else if (event instanceof SearchEvent.EpochFinished e) {
      p = new SearchInfo.Progress(e.epoch() + 1, p.epochs(), p.steps(), p.controllerUpdates(),
          p.architecturesSampled(), p.finalEpoch(), p.finalEpochs());
    } else if (event instanceof SearchEvent.FinalTrainingProgress f) {
      p = new SearchInfo.Progress(p.epoch(), p.epochs(), p.steps(), p.controllerUpdates(),
          p.architecturesSampled(), f.epoch() + 1, p.finalEpochs());
    } else if (event instanceof SearchEvent.Finished f) {
      result = new SearchInfo.Result(f.architecture(), f.testAccuracy(), f.parameters(),
          f.testPerplexity(), f.plainBaseline());
    } else if (event instanceof SearchEvent.Failed f) {
      reason = f.reason();
    } else if (event instanceof SearchEvent.Cancelled c) {
      reason = c.reason();
    }
    info = new SearchInfo(i.id(), i.spec(), phase, p, best, result, reason, i.createTime(), time,
        start, end, sequence + 1, i.model());
  }

  /** Records the model the search published; its coordinator calls this before it succeeds. */
  synchronized void modelPublished(String name, long version) {
    SearchInfo i = info;
    info = new SearchInfo(i.id(), i.spec(), i.phase(), i.progress(), i.best(), i.result(),
        i.failureReason(), i.createTime(), i.updateTime(), i.startTime(), i.endTime(),
        i.eventCount(), new SearchInfo.Model(name, version));
  }

  synchronized long historySize() {
    return history.size();
  }

  synchronized HistoryEntry historyAt(long index) {
    return index >= 0 && index < history.size() ? history.get((int) index) : null;
  }

  /** A page of the history; the cursor is the index of the first entry plus one (0: start). */
  synchronized Page<HistoryEntry> historyPage(int pageSize, long cursor, ArchitectureOrder order) {
    List<HistoryEntry> source = history;
    if (order == ArchitectureOrder.REWARD) {
      if (byReward == null) {
        byReward = new ArrayList<>(history);
        byReward.sort(Comparator.comparingDouble(HistoryEntry::reward).reversed()
            .thenComparingLong(HistoryEntry::index));
      }
      source = byReward;
    }
    int from = (int) Math.min(Math.max(cursor - 1, 0), source.size());
    if (cursor == 0) {
      from = 0;
    }
    int to = Math.min(source.size(), from + pageSize);
    long next = to < source.size() ? to + 1 : 0;
    return new Page<>(List.copyOf(source.subList(from, to)), next, source.size());
  }
}
