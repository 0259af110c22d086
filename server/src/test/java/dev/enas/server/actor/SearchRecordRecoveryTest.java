package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.LoggedEvent;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A record rebuilt from its journal entries, and a search run again over them: the same summary,
 * log and history as before; reproduced events are not published twice; new ones continue the
 * sequence; an event that differs fails the search after the journaled ones.
 */
class SearchRecordRecoveryTest {
  private static final SearchSpec SPEC = SearchSpec.smoke("macro", 3);
  private static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");

  private final List<JournalEvent> journal = new ArrayList<>();

  private static List<SearchEvent> firstEvents(double seconds) {
    return List.of(
        new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING),
        new SearchEvent.ChildTrained(0, 0, "1 0", 2.5, 0.05),
        new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING),
        new SearchEvent.ArchitectureSampled(0, 0, "0 1", 0.25, -1.5, 2.0, Double.NaN),
        new SearchEvent.ArchitectureSampled(0, 0, "1 1", 0.5, -1.25, 2.0, Double.NaN),
        new SearchEvent.ControllerUpdated(0, 1, 2, 0.375, 2.0, 0.3, 0.1, 0.2),
        new SearchEvent.EpochFinished(0, 2, 2.5, 0.375, "1 1", 0.5, seconds));
  }

  private SearchRecord original() {
    SearchRecord record = SearchRecord.journaled("s-1", 4, SPEC, CREATED, journal::add);
    firstEvents(1.5).forEach(record::emit);
    record.modelPublished("s-1", 2);
    return record;
  }

  private static List<LoggedEvent> logOf(SearchRecord record) {
    List<LoggedEvent> out = new ArrayList<>();
    for (long i = 0; i < record.log().size(); i++) {
      out.add(record.log().get(i));
    }
    return out;
  }

  @Test
  void aRebuiltRecordHasTheSameSummaryLogAndHistory() {
    SearchRecord original = original();
    SearchRecord rebuilt = SearchRecord.fromJournal(journal);

    assertThat(rebuilt.info()).isEqualTo(original.info());
    assertThat(rebuilt.info().model().version()).isEqualTo(2);
    assertThat(rebuilt.ordinal()).isEqualTo(4);
    assertThat(logOf(rebuilt)).isEqualTo(logOf(original));
    assertThat(rebuilt.historyPage(10, 0, ArchitectureOrder.REWARD))
        .isEqualTo(original.historyPage(10, 0, ArchitectureOrder.REWARD));
  }

  @Test
  void reproducedEventsAreCheckedNotRepublishedAndNewOnesContinueTheSequence() {
    original();
    SearchRecord rebuilt = SearchRecord.fromJournal(journal);
    List<JournalEvent> written = new ArrayList<>();
    List<String> divergences = new ArrayList<>();
    rebuilt.resume(0, written::add, divergences::add);
    long before = rebuilt.log().size();

    // The same events, with another wall-clock duration, as a run on the next start gives them.
    firstEvents(9.75).forEach(rebuilt::emit);
    assertThat(rebuilt.log().size()).isEqualTo(before);
    assertThat(written).isEmpty();
    assertThat(rebuilt.recomputing()).isFalse();

    rebuilt.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    assertThat(rebuilt.log().size()).isEqualTo(before + 1);
    assertThat(written)
        .singleElement()
        .isInstanceOfSatisfying(
            JournalEvent.Logged.class, logged -> assertThat(logged.sequence()).isEqualTo(before));
    assertThat(rebuilt.info().eventCount()).isEqualTo(before + 1);
    assertThat(divergences).isEmpty();
  }

  @Test
  void aRunResumedPastTheStartIsComparedFromThere() {
    original();
    SearchRecord rebuilt = SearchRecord.fromJournal(journal);
    List<String> divergences = new ArrayList<>();
    rebuilt.resume(3, entry -> {}, divergences::add);
    long before = rebuilt.log().size();

    firstEvents(0.5).subList(3, 7).forEach(rebuilt::emit);
    assertThat(rebuilt.recomputing()).isFalse();
    assertThat(rebuilt.log().size()).isEqualTo(before);
    assertThat(divergences).isEmpty();
  }

  @Test
  void anEventThatDiffersFailsTheSearchAfterTheJournaledOnes() {
    original();
    SearchRecord rebuilt = SearchRecord.fromJournal(journal);
    List<JournalEvent> written = new ArrayList<>();
    List<String> divergences = new ArrayList<>();
    rebuilt.resume(0, written::add, divergences::add);
    long before = rebuilt.log().size();

    rebuilt.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    rebuilt.emit(new SearchEvent.ChildTrained(0, 0, "1 0", 2.5000001, 0.05));

    assertThat(divergences).singleElement().asString().contains("sequence 1");
    assertThat(rebuilt.info().phase()).isEqualTo(Phase.FAILED);
    assertThat(rebuilt.info().failureReason()).contains("sequence 1", "2.5000001");
    assertThat(rebuilt.log().size()).isEqualTo(before + 2);
    assertThat(rebuilt.log().get(before + 1).event()).isInstanceOf(SearchEvent.Failed.class);
    assertThat(written).hasSize(2);

    // Whatever the stopped run still emits is dropped.
    rebuilt.emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
    rebuilt.emitEnd(new SearchEvent.Failed("again"));
    assertThat(rebuilt.log().size()).isEqualTo(before + 2);
  }

  @Test
  void aCancellationWhileRecomputingFollowsTheJournaledEvents() {
    original();
    SearchRecord rebuilt = SearchRecord.fromJournal(journal);
    List<JournalEvent> written = new ArrayList<>();
    rebuilt.resume(0, written::add, reason -> {});
    long before = rebuilt.log().size();

    rebuilt.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    rebuilt.emitEnd(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    rebuilt.emitEnd(new SearchEvent.Cancelled("enough"));

    assertThat(rebuilt.log().size()).isEqualTo(before + 2);
    assertThat(rebuilt.info().phase()).isEqualTo(Phase.CANCELLED);
    assertThat(written)
        .extracting(e -> ((JournalEvent.Logged) e).sequence())
        .containsExactly(before, before + 1);
  }

  @Test
  void aJournalThatStopsBetweenTheTerminalPhaseAndTheLastEventIsNotAnEndedSearch() {
    SearchRecord original = original();
    original.emitEnd(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    List<JournalEvent> upToPhase = List.copyOf(journal);
    original.emitEnd(new SearchEvent.Cancelled("enough"));

    // A replica (or a node taking the search over) that has read up to the phase change: the
    // phase is terminal, but the log has one event to come, so the search has not ended.
    SearchRecord partial = SearchRecord.fromJournal(upToPhase);
    assertThat(partial.info().phase()).isEqualTo(Phase.CANCELLED);
    assertThat(partial.isEnded()).isFalse();
    assertThat(partial.log().isClosed()).isFalse();

    partial.applyJournaled(journal.get(journal.size() - 1));
    assertThat(partial.isEnded()).isTrue();
    assertThat(logOf(partial)).isEqualTo(logOf(original));
    partial.release();
    assertThat(partial.isEnded()).as("released after its end").isTrue();
  }

  @Test
  void aReleasedRecordKeepsItsSummaryOnly() {
    SearchRecord record = original();
    var info = record.info();
    record.release();
    assertThat(record.isReleased()).isTrue();
    assertThat(record.log()).isNull();
    assertThat(record.info()).isEqualTo(info);
  }
}
