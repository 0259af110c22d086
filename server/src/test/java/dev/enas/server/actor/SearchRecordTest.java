package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Folding a search's events into its summary and history, without actors or training. */
class SearchRecordTest {
  private static final SearchSpec SPEC = SearchSpec.smoke("macro", 3);
  private static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");

  private final SearchRecord record = new SearchRecord("s-1", SPEC, CREATED);

  private Instant timeOf(long sequence) {
    return record.log().get(sequence).time();
  }

  private void sampled(String architecture, double reward) {
    record.emit(new SearchEvent.ArchitectureSampled(0, 0, architecture, reward, -1.5, 2.0, 0.25));
  }

  @Test
  void aNewSearchIsPendingWithTheSpecsTotalsAndNothingElse() {
    SearchInfo info = record.info();

    assertThat(info.id()).isEqualTo("s-1");
    assertThat(info.spec()).isEqualTo(SPEC);
    assertThat(info.phase()).isEqualTo(Phase.PENDING);
    assertThat(info.progress()).isEqualTo(new SearchInfo.Progress(0, 2, 0, 0, 0, 0, 1));
    assertThat(info.best()).isNull();
    assertThat(info.result()).isNull();
    assertThat(info.failureReason()).isEmpty();
    assertThat(info.createTime()).isEqualTo(CREATED);
    assertThat(info.updateTime()).isEqualTo(CREATED);
    assertThat(info.startTime()).isNull();
    assertThat(info.endTime()).isNull();
    assertThat(info.eventCount()).isZero();
  }

  @Test
  void aSucceededSearchsEventsFoldIntoCountersBestResultAndTimes() {
    record.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    record.emit(new SearchEvent.ChildTrained(0, 0, "a", 2.3, 0.05));
    record.emit(new SearchEvent.StepSkipped(0, 1, "b", "loss is NaN", 1));
    record.emit(new SearchEvent.ChildTrained(0, 2, "c", 2.2, 0.04));
    assertThat(record.info().phase()).isEqualTo(Phase.SHARED_TRAINING);
    assertThat(record.info().startTime()).isEqualTo(timeOf(0));
    assertThat(record.info().progress().steps()).as("a skipped step is a step done").isEqualTo(3);

    record.emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
    sampled("d", 0.25);
    sampled("e", 0.75);
    sampled("f", 0.5);
    assertThat(record.info().best()).isEqualTo(new SearchInfo.Scored("e", 0.75));
    record.emit(new SearchEvent.ControllerUpdated(0, 1, 3, 0.5, 2.0, 0.5, 0.1, 0.3));
    record.emit(new SearchEvent.EpochFinished(0, 2, 2.25, 0.5, "e", 0.75, 1.0));
    assertThat(record.info().progress()).isEqualTo(new SearchInfo.Progress(1, 2, 3, 1, 3, 0, 1));

    record.emit(new SearchEvent.PhaseChanged(Phase.DERIVING));
    record.emit(new SearchEvent.Derived(List.of(new SearchEvent.Candidate("f", 0.9, -1)), 6));
    record.emit(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING));
    record.emit(new SearchEvent.FinalTrainingProgress(0, 1, 1.9, 0.4, 0.45));
    assertThat(record.info().result()).as("a result only once the search succeeded").isNull();
    assertThat(record.info().endTime()).isNull();
    record.emit(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    record.emit(new SearchEvent.Finished("f", 0.42, 1234, 9.5));

    SearchInfo info = record.info();
    assertThat(info.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(info.progress()).isEqualTo(new SearchInfo.Progress(1, 2, 3, 1, 3, 1, 1));
    // The best is the best sampled during the search; the result is the derived, retrained child.
    assertThat(info.best()).isEqualTo(new SearchInfo.Scored("e", 0.75));
    assertThat(info.result()).isEqualTo(new SearchInfo.Result("f", 0.42, 1234));
    assertThat(info.failureReason()).isEmpty();
    assertThat(info.eventCount()).isEqualTo(16).isEqualTo(record.log().size());
    assertThat(info.createTime()).isEqualTo(CREATED);
    assertThat(info.startTime()).isEqualTo(timeOf(0));
    assertThat(info.endTime()).isEqualTo(timeOf(14));
    assertThat(info.updateTime()).isEqualTo(timeOf(15));
  }

  @Test
  void aFailedSearchKeepsItsReasonAndEndTimeAndNoResult() {
    record.emit(new SearchEvent.PhaseChanged(Phase.FAILED));
    record.emit(new SearchEvent.Failed("loading idx:/x failed: no such file"));

    SearchInfo info = record.info();
    assertThat(info.phase()).isEqualTo(Phase.FAILED);
    assertThat(info.failureReason()).isEqualTo("loading idx:/x failed: no such file");
    assertThat(info.result()).isNull();
    // Failing while loading still leaves PENDING, so start and end are that same moment.
    assertThat(info.startTime()).isEqualTo(timeOf(0));
    assertThat(info.endTime()).isEqualTo(timeOf(0));
    assertThat(record.log().isClosed()).isTrue();
  }

  @Test
  void aCancelledSearchKeepsTheCancellationReason() {
    record.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    record.emit(new SearchEvent.ChildTrained(0, 0, "a", 2.3, 0.05));
    record.emit(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    record.emit(new SearchEvent.Cancelled("the operator needs the GPU"));

    SearchInfo info = record.info();
    assertThat(info.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(info.failureReason()).isEqualTo("the operator needs the GPU");
    assertThat(info.progress().steps()).isEqualTo(1);
    assertThat(info.endTime()).isEqualTo(timeOf(2));
    assertThat(info.startTime()).isEqualTo(timeOf(0));
  }

  @Test
  void historyEntriesCarryTheirEventsFields() {
    record.emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
    record.emit(new SearchEvent.ArchitectureSampled(1, 4, "x", 0.3, -2.5, 1.25, 0.2));

    assertThat(record.historySize()).isEqualTo(1);
    assertThat(record.historyAt(0))
        .isEqualTo(new HistoryEntry(0, 1, timeOf(1), 1, 4, "x", 0.3, -2.5, 1.25, 0.2));
    assertThat(record.historyAt(1)).isNull();
    assertThat(record.historyAt(-1)).isNull();
  }

  @Test
  void pagesInSampledOrderStartAtCursorZeroAndEndWithCursorZero() {
    for (int i = 0; i < 5; i++) {
      sampled("a" + i, i / 10.0);
    }

    List<Long> indices = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long cursor = 0;
    int pages = 0;
    do {
      Page<HistoryEntry> page = record.historyPage(2, cursor, ArchitectureOrder.SAMPLED);
      page.items().forEach(e -> indices.add(e.index()));
      sizes.add(page.totalSize());
      cursor = page.nextCursor();
      pages++;
    } while (cursor != 0 && pages < 10);

    assertThat(pages).isEqualTo(3);
    assertThat(indices).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(sizes).containsOnly(5L);
  }

  @Test
  void pagesInRewardOrderPutTheBestFirstAndBreakTiesBySamplingOrder() {
    double[] rewards = {0.2, 0.8, 0.5, 0.8, 0.1};
    for (int i = 0; i < rewards.length; i++) {
      sampled("a" + i, rewards[i]);
    }

    Page<HistoryEntry> first = record.historyPage(2, 0, ArchitectureOrder.REWARD);
    Page<HistoryEntry> second = record.historyPage(2, first.nextCursor(), ArchitectureOrder.REWARD);
    Page<HistoryEntry> third = record.historyPage(2, second.nextCursor(), ArchitectureOrder.REWARD);

    assertThat(first.items()).extracting(HistoryEntry::architecture).containsExactly("a1", "a3");
    assertThat(second.items()).extracting(HistoryEntry::architecture).containsExactly("a2", "a0");
    assertThat(third.items()).extracting(HistoryEntry::architecture).containsExactly("a4");
    assertThat(first.nextCursor()).isNotZero();
    assertThat(second.nextCursor()).isNotZero();
    assertThat(third.nextCursor()).isZero();
  }

  @Test
  void rewardOrderFollowsTheHistoryAsItGrows() {
    sampled("low", 0.1);
    assertThat(record.historyPage(1, 0, ArchitectureOrder.REWARD).items())
        .extracting(HistoryEntry::architecture)
        .containsExactly("low");

    sampled("high", 0.9);

    Page<HistoryEntry> page = record.historyPage(1, 0, ArchitectureOrder.REWARD);
    assertThat(page.items()).extracting(HistoryEntry::architecture).containsExactly("high");
    assertThat(page.totalSize()).isEqualTo(2);
  }

  @Test
  void anEmptyHistoryIsOneEmptyLastPage() {
    for (ArchitectureOrder order : ArchitectureOrder.values()) {
      Page<HistoryEntry> page = record.historyPage(10, 0, order);
      assertThat(page.items()).isEmpty();
      assertThat(page.nextCursor()).isZero();
      assertThat(page.totalSize()).isZero();
    }
  }

  @Test
  void aPageThatExactlyEndsTheHistoryIsTheLast() {
    for (int i = 0; i < 4; i++) {
      sampled("a" + i, 0.5);
    }

    Page<HistoryEntry> first = record.historyPage(2, 0, ArchitectureOrder.SAMPLED);
    Page<HistoryEntry> second =
        record.historyPage(2, first.nextCursor(), ArchitectureOrder.SAMPLED);

    assertThat(second.items()).extracting(HistoryEntry::index).containsExactly(2L, 3L);
    assertThat(second.nextCursor()).isZero();
  }

  /**
   * A watcher that has been shown an event and then reads the search must find that event in the
   * summary: a client that saw Finished expects the result. A subscription delivering on the
   * appending thread sees exactly the moment right after the append.
   */
  @Test
  void aWatcherFindsEveryEventItWasShownAlreadyInTheSummary() {
    List<String> behind = new ArrayList<>();
    record
        .log()
        .subscribe(
            0,
            100,
            Runnable::run,
            new EventLog.Subscriber() {
              @Override
              public void onEvent(LoggedEvent event) {
                SearchInfo info = record.info();
                if (info.eventCount() <= event.sequence()) {
                  behind.add(
                      event.sequence()
                          + ": "
                          + event.event()
                          + " but eventCount "
                          + info.eventCount());
                }
                if (event.event() instanceof SearchEvent.Finished && info.result() == null) {
                  behind.add("Finished without a result");
                }
                if (event.event() instanceof SearchEvent.ArchitectureSampled
                    && record.historySize() <= 0) {
                  behind.add("a sampled architecture missing from the history");
                }
              }

              @Override
              public void onComplete() {}

              @Override
              public void onCut(EventLog.CutReason reason, long resumeSequence) {}
            });

    record.emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
    sampled("a", 0.5);
    record.emit(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    record.emit(new SearchEvent.Finished("a", 0.4, 10, 1));

    assertThat(behind).isEmpty();
  }
}
