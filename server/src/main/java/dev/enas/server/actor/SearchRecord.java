package dev.enas.server.actor;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.LoggedEvent;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Everything known about one search, kept as it happens: its event log, the sampled history and the
 * {@link SearchInfo} both are summarised into. Only the search's coordinator writes (through {@link
 * #emit}); readers (the manager answering the API) get immutable snapshots, so no ask to a busy
 * coordinator is needed to read a search.
 *
 * <p>A journaled record also hands every entry to its search's journal, in the order the log gives
 * them. A record rebuilt from the journal for a search that was still running holds the journaled
 * events; the search then runs again from its start, and each event it emits for a sequence number
 * the log already has is compared with the journaled one instead of appended, so watchers see
 * neither a gap nor a duplicate. An event that differs fails the search. Once a finished search's
 * entries are all in the journal, {@link #release} drops the log and the history and only the
 * summary stays in the heap.
 */
final class SearchRecord {
  private volatile EventLog log = new EventLog();
  private List<HistoryEntry> history = new ArrayList<>();
  private volatile SearchInfo info;
  // Sorted view of the history by reward, rebuilt lazily for reward-ordered pages.
  private List<HistoryEntry> byReward;
  private Consumer<JournalEvent> journal = entry -> {};
  private boolean journaled;
  private long ordinal;
  private long journalEntries;

  /** Sequence numbers below this came from the journal and are recomputed, not appended. */
  private long replayEnd;

  /** The next journaled sequence number recomputation has to reproduce. */
  private long replayCursor;

  private boolean diverged;
  private Consumer<String> onDivergence = reason -> {};
  private volatile boolean released;

  SearchRecord(String id, SearchSpec spec, Instant created) {
    this.info =
        new SearchInfo(
            id,
            spec,
            Phase.PENDING,
            SearchInfo.Progress.start(spec),
            null,
            null,
            "",
            created,
            created,
            null,
            null,
            0,
            null);
  }

  /**
   * A new search whose entries go to {@code journal}, starting with its creation.
   *
   * @param ordinal the search's place in creation order, kept across restarts
   */
  static SearchRecord journaled(
      String id, long ordinal, SearchSpec spec, Instant created, Consumer<JournalEvent> journal) {
    SearchRecord record = new SearchRecord(id, spec, created);
    record.ordinal = ordinal;
    record.journaled = true;
    record.journal = journal;
    journal.accept(new JournalEvent.Created(id, ordinal, spec, created));
    return record;
  }

  /**
   * A search as its journal entries describe it: the same summary, log (with the same times) and
   * history as before the restart. It writes nothing until {@link #resume} attaches a journal.
   *
   * @throws IllegalArgumentException if the entries do not start with the search's creation or
   *     their sequence numbers have a gap
   */
  static SearchRecord fromJournal(List<JournalEvent> entries) {
    if (entries.isEmpty() || !(entries.get(0) instanceof JournalEvent.Created created)) {
      throw new IllegalArgumentException("a search's journal must start with its creation");
    }
    SearchRecord record = new SearchRecord(created.id(), created.spec(), created.time());
    record.ordinal = created.ordinal();
    record.journaled = true;
    record.journalEntries = 1;
    for (JournalEvent entry : entries.subList(1, entries.size())) {
      record.applyJournaled(entry);
    }
    return record;
  }

  /**
   * Folds one more journal entry, the one after those already folded, into a search rebuilt from
   * its journal: how a node follows a search another node of the cluster runs. Watchers of the log
   * see its events as they are folded.
   *
   * @throws IllegalArgumentException if a logged event's sequence number is not the next one
   */
  synchronized void applyJournaled(JournalEvent entry) {
    if (entry instanceof JournalEvent.Logged logged) {
      if (logged.sequence() != log.size()) {
        throw new IllegalArgumentException(
            "search "
                + id()
                + ": the journal has event "
                + logged.sequence()
                + " where event "
                + log.size()
                + " was due");
      }
      log.appendAt(logged.event(), logged.time(), this::fold);
    } else if (entry instanceof JournalEvent.ModelPublished model) {
      setModel(model.name(), model.version());
    } else if (entry instanceof JournalEvent.Paused paused) {
      markPaused(paused.paused());
    }
    journalEntries++;
  }

  /**
   * The journal entries folded into a record rebuilt from its journal ({@link #fromJournal}, {@link
   * #applyJournaled}), the creation included: the next entry to fold has this sequence number plus
   * one. Not kept for entries the record writes itself.
   */
  synchronized long journalEntries() {
    return journalEntries;
  }

  /**
   * Makes a rebuilt, unfinished search ready to run again: its next emits are checked against the
   * journaled events from {@code fromSequence} on, and those past the journal's end are appended
   * and journaled.
   *
   * @param fromSequence the sequence number of the first event the run will emit: 0 for a run from
   *     the search's start (all there is today), the sequence after a snapshot for a run resumed
   *     from it
   * @param onDivergence told the reason when a recomputed event differs from the journaled one; the
   *     record has then already failed the search
   */
  synchronized void resume(
      long fromSequence, Consumer<JournalEvent> journal, Consumer<String> onDivergence) {
    if (fromSequence < 0 || fromSequence > log.size()) {
      throw new IllegalArgumentException(
          "fromSequence must be in 0.." + log.size() + ", was " + fromSequence);
    }
    this.journal = journal;
    this.onDivergence = onDivergence;
    this.replayEnd = log.size();
    this.replayCursor = fromSequence;
  }

  /**
   * Moves the recomputation forward to {@code sequence}: a search resumed from a snapshot taken
   * after that many events emits its next event for {@code sequence}, and the journaled events
   * before it are taken as they are.
   *
   * @throws IllegalArgumentException if {@code sequence} is behind the recomputation or past the
   *     journaled events
   */
  synchronized void skipReplayTo(long sequence) {
    if (sequence < replayCursor || sequence > replayEnd) {
      throw new IllegalArgumentException(
          "a resumed search can only continue at a journaled "
              + "sequence in "
              + replayCursor
              + ".."
              + replayEnd
              + ", not at "
              + sequence);
    }
    replayCursor = sequence;
  }

  /** Journaled events a resumed search still has to reproduce or may skip: its log's size then. */
  synchronized long replayEnd() {
    return replayEnd;
  }

  /** Whether the search's entries go to a journal. */
  boolean isJournaled() {
    return journaled;
  }

  long ordinal() {
    return ordinal;
  }

  /** Sets the creation-order place of a search that is not journaled. */
  void setOrdinal(long ordinal) {
    this.ordinal = ordinal;
  }

  /** Whether the record is still reproducing events its journal already holds. */
  synchronized boolean recomputing() {
    return replayCursor < replayEnd;
  }

  /**
   * Drops the log and the history; the summary stays. For a finished search whose entries are all
   * in the journal, where the rest is read from when asked.
   */
  synchronized void release() {
    released = true;
    log = null;
    history = null;
    byReward = null;
  }

  /**
   * Cuts every watcher of the log (they are told the sequence to watch again from), for a search
   * this node stops running while it goes on elsewhere.
   */
  synchronized void stopWatchers() {
    if (log != null) {
      log.moveAll();
    }
  }

  /**
   * Whether the search's last event is logged: its log is closed (or was released after that). Not
   * the same as a terminal phase: the phase turns terminal one event before the log's closing event
   * (Finished, Failed or Cancelled), so a record rebuilt from a journal that stops between the two
   * has a terminal phase and one event still to come.
   */
  synchronized boolean isEnded() {
    return released || (log != null && log.isClosed());
  }

  /** Whether {@link #release} dropped the log and the history. */
  boolean isReleased() {
    return released;
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
    if (diverged || released) {
      return;
    }
    if (replayCursor < replayEnd) {
      SearchEvent journaled = log.get(replayCursor).event();
      if (withoutClock(journaled).equals(withoutClock(event))) {
        replayCursor++;
        return;
      }
      diverged = true;
      String reason =
          "running the search again after a restart gave a different event at "
              + "sequence "
              + replayCursor
              + " than the journal holds (journal: "
              + journaled
              + "; now: "
              + event
              + "); the same spec and seed repeat a search only on the same "
              + "machine, build and enas.intra-op-threads";
      replayEnd = replayCursor;
      append(new SearchEvent.PhaseChanged(Phase.FAILED));
      append(new SearchEvent.Failed(reason));
      onDivergence.accept(reason);
      return;
    }
    append(event);
  }

  /**
   * Emits an event that ends the search early (a failure, a cancellation): it follows whatever the
   * log already holds, even while journaled events are still being recomputed, since the journal
   * cannot hold a reason to stop that this run has not seen yet.
   */
  synchronized void emitEnd(SearchEvent event) {
    if (diverged || released) {
      return;
    }
    replayEnd = replayCursor;
    append(event);
  }

  private void append(SearchEvent event) {
    log.append(
        event,
        logged -> {
          fold(logged);
          journal.accept(new JournalEvent.Logged(logged.sequence(), logged.time(), event));
        });
  }

  /**
   * The event with its wall-clock figures zeroed: a recomputed search takes other times but must
   * otherwise repeat every event.
   */
  static SearchEvent withoutClock(SearchEvent event) {
    if (event instanceof SearchEvent.EpochFinished e) {
      return new SearchEvent.EpochFinished(
          e.epoch(),
          e.epochs(),
          e.meanTrainLoss(),
          e.meanReward(),
          e.bestArchitecture(),
          e.bestReward(),
          0);
    }
    if (event instanceof SearchEvent.Finished f) {
      return new SearchEvent.Finished(
          f.architecture(),
          f.testAccuracy(),
          f.parameters(),
          0,
          f.testPerplexity(),
          f.plainBaseline(),
          f.rankCheck());
    }
    return event;
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
    } else if (event instanceof SearchEvent.ChildTrained
        || event instanceof SearchEvent.StepSkipped) {
      p =
          new SearchInfo.Progress(
              p.epoch(),
              p.epochs(),
              p.steps() + 1,
              p.controllerUpdates(),
              p.architecturesSampled(),
              p.finalEpoch(),
              p.finalEpochs());
    } else if (event instanceof SearchEvent.ArchitectureSampled a) {
      history.add(
          new HistoryEntry(
              history.size(),
              sequence,
              time,
              a.epoch(),
              a.policyVersion(),
              a.architecture(),
              a.reward(),
              a.logProbability(),
              a.entropy(),
              a.baseline()));
      byReward = null;
      p =
          new SearchInfo.Progress(
              p.epoch(),
              p.epochs(),
              p.steps(),
              p.controllerUpdates(),
              history.size(),
              p.finalEpoch(),
              p.finalEpochs());
      if (best == null || a.reward() > best.reward()) {
        best = new SearchInfo.Scored(a.architecture(), a.reward());
      }
    } else if (event instanceof SearchEvent.ControllerUpdated) {
      p =
          new SearchInfo.Progress(
              p.epoch(),
              p.epochs(),
              p.steps(),
              p.controllerUpdates() + 1,
              p.architecturesSampled(),
              p.finalEpoch(),
              p.finalEpochs());
    } else if (event instanceof SearchEvent.EpochFinished e) {
      p =
          new SearchInfo.Progress(
              e.epoch() + 1,
              p.epochs(),
              p.steps(),
              p.controllerUpdates(),
              p.architecturesSampled(),
              p.finalEpoch(),
              p.finalEpochs());
    } else if (event instanceof SearchEvent.FinalTrainingProgress f) {
      p =
          new SearchInfo.Progress(
              p.epoch(),
              p.epochs(),
              p.steps(),
              p.controllerUpdates(),
              p.architecturesSampled(),
              f.epoch() + 1,
              p.finalEpochs());
    } else if (event instanceof SearchEvent.Finished f) {
      result =
          new SearchInfo.Result(
              f.architecture(),
              f.testAccuracy(),
              f.parameters(),
              f.testPerplexity(),
              f.plainBaseline(),
              f.rankCheck());
    } else if (event instanceof SearchEvent.Failed f) {
      reason = f.reason();
    } else if (event instanceof SearchEvent.Cancelled c) {
      reason = c.reason();
    }
    info =
        new SearchInfo(
            i.id(),
            i.spec(),
            phase,
            p,
            best,
            result,
            reason,
            i.createTime(),
            time,
            start,
            end,
            sequence + 1,
            i.model(),
            i.paused());
  }

  /**
   * Journals where a resumed search continues ({@link JournalEvent.Restored}): after the snapshot
   * whose next event is {@code sequence} (-1: its start), past the unreadable newer snapshots.
   */
  synchronized void noteSnapshots(List<String> skipped, long sequence) {
    journal.accept(new JournalEvent.Restored(sequence, skipped));
  }

  /** Records the model the search published; its coordinator calls this before it succeeds. */
  synchronized void modelPublished(String name, long version) {
    setModel(name, version);
    journal.accept(new JournalEvent.ModelPublished(name, version));
  }

  private void setModel(String name, long version) {
    SearchInfo i = info;
    info =
        new SearchInfo(
            i.id(),
            i.spec(),
            i.phase(),
            i.progress(),
            i.best(),
            i.result(),
            i.failureReason(),
            i.createTime(),
            i.updateTime(),
            i.startTime(),
            i.endTime(),
            i.eventCount(),
            new SearchInfo.Model(name, version),
            i.paused());
  }

  /** Whether the search is paused: it keeps its place and takes no steps until resumed. */
  boolean isPaused() {
    return info.paused();
  }

  /** Pauses or resumes the search, in the summary and the journal. */
  synchronized void setPaused(boolean paused) {
    markPaused(paused);
    journal.accept(new JournalEvent.Paused(paused));
  }

  private void markPaused(boolean paused) {
    SearchInfo i = info;
    info =
        new SearchInfo(
            i.id(),
            i.spec(),
            i.phase(),
            i.progress(),
            i.best(),
            i.result(),
            i.failureReason(),
            i.createTime(),
            i.updateTime(),
            i.startTime(),
            i.endTime(),
            i.eventCount(),
            i.model(),
            paused);
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
        byReward.sort(
            Comparator.comparingDouble(HistoryEntry::reward)
                .reversed()
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
