package dev.enas.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.io.NotSerializableException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every kind of journal entry reads back equal to what was written, NaN and null included. */
class JournalSerializerTest {
  private final JournalSerializer serializer = new JournalSerializer();

  private JournalEvent roundTrip(JournalEvent entry) throws NotSerializableException {
    return (JournalEvent)
        serializer.fromBinary(serializer.toBinary(entry), serializer.manifest(entry));
  }

  @Test
  void theSpecsOfEverySpaceReadBack() throws Exception {
    for (String kind : List.of("macro", "micro", "rnn")) {
      JournalEvent created =
          new JournalEvent.Created(
              "s-" + kind,
              7,
              SearchSpec.smoke(kind, 31),
              Instant.parse("2026-12-05T10:15:30.123456789Z"));
      assertThat(roundTrip(created)).isEqualTo(created);
      created =
          new JournalEvent.Created(
              "d-" + kind, 8, SearchSpec.defaults(kind), Instant.parse("2026-12-05T10:15:30Z"));
      assertThat(roundTrip(created)).isEqualTo(created);
    }
  }

  @Test
  void everyKindOfSearchEventReadsBack() throws Exception {
    SearchEvent.Candidate candidate = new SearchEvent.Candidate("0 1 2", 0.25, -3.5);
    List<SearchEvent> events =
        List.of(
            new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING),
            new SearchEvent.ChildTrained(0, 3, "1 0", 2.5, 0.05),
            new SearchEvent.ChildTrained(1, 4, "1 0", 4.5, 20, Math.exp(4.5)),
            new SearchEvent.StepSkipped(0, 2, "1 1", "loss is NaN", 1),
            new SearchEvent.ArchitectureSampled(0, 2, "0 1", 0.125, -1.25, 1.5, Double.NaN),
            new SearchEvent.ControllerUpdated(0, 3, 3, 0.5, 1.25, 0.375, -0.0, 1e-300),
            new SearchEvent.EpochFinished(
                0, 2, 2.25, Double.NaN, "", Double.NEGATIVE_INFINITY, 3.5),
            new SearchEvent.Derived(
                List.of(candidate, candidate.withScreening(0.75, Double.NaN)), 100, 20),
            new SearchEvent.CandidateScreened(0, 2, candidate.withScreening(0.5, Double.NaN), 20),
            new SearchEvent.FinalTrainingProgress(0, 1, 1.5, 0.25, 0.5, Double.NaN, true),
            new SearchEvent.Finished(
                "0 1",
                0.8125,
                1234,
                12.5,
                Double.NaN,
                new SearchEvent.PlainBaseline("0 0", 0.75, 1000, Double.NaN)),
            new SearchEvent.Finished("0 1", 0.8125, 1234, 12.5),
            new SearchEvent.RankCheckTrained(1, 3, candidate.withScreening(0.625, Double.NaN), 40),
            new SearchEvent.Finished(
                "0 1",
                Double.NaN,
                1234,
                12.5,
                95.5,
                null,
                new SearchEvent.RankCheck(
                    Double.NaN,
                    Double.NaN,
                    40,
                    List.of(
                        candidate.withScreening(Double.NaN, 120.5),
                        candidate.withScreening(Double.NaN, Double.POSITIVE_INFINITY)))),
            new SearchEvent.Failed("it failed"),
            new SearchEvent.Cancelled("cancelled on request"));
    long sequence = 0;
    for (SearchEvent event : events) {
      JournalEvent logged =
          new JournalEvent.Logged(
              sequence++, Instant.parse("2026-12-05T10:15:30.000000001Z"), event);
      assertThat(roundTrip(logged)).isEqualTo(logged);
    }
  }

  @Test
  void aPublishedModelReadsBack() throws Exception {
    JournalEvent model = new JournalEvent.ModelPublished("s-1", 3);
    assertThat(roundTrip(model)).isEqualTo(model);
  }

  @Test
  void pausesAndRestoresFromSnapshotsReadBack() throws Exception {
    for (JournalEvent entry :
        List.of(
            new JournalEvent.Paused(true),
            new JournalEvent.Paused(false),
            new JournalEvent.Restored(42, List.of()),
            new JournalEvent.Restored(
                -1, List.of("snapshot-00000000000000000007.snap: truncated")))) {
      assertThat(roundTrip(entry)).isEqualTo(entry);
    }
  }

  @Test
  void anEventTypeThisBuildDoesNotKnowIsRefusedByName() {
    String json =
        "{\"sequence\":0,\"time\":\"2026-12-05T10:15:30Z\",\"type\":\"Teleported\","
            + "\"event\":{}}";
    assertThatThrownBy(() -> JournalSerializer.fromJson(json, JournalSerializer.LOGGED))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("Teleported");
  }
}
