package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.SearchSpace;
import dev.enas.server.store.LoggedEvent;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventMapperTest {
  private static final Instant TIME = Instant.parse("2026-03-01T12:00:00.123456789Z");

  @Test
  void everyKindOfEngineEventHasItsOwnWireKind() throws Exception {
    Class<?>[] kinds = SearchEvent.class.getPermittedSubclasses();
    Set<dev.enas.proto.v1.SearchEvent.KindCase> seen =
        java.util.EnumSet.noneOf(dev.enas.proto.v1.SearchEvent.KindCase.class);
    for (Class<?> kind : kinds) {
      SearchEvent event = sample(kind);
      dev.enas.proto.v1.SearchEvent wire =
          EventMapper.toWire("s-1", new LoggedEvent(41, TIME, event));
      assertThat(wire.getKindCase())
          .as(kind.getSimpleName())
          .isNotEqualTo(dev.enas.proto.v1.SearchEvent.KindCase.KIND_NOT_SET);
      seen.add(wire.getKindCase());
      assertThat(wire.getSequence()).isEqualTo(41);
      assertThat(wire.getSearchId()).isEqualTo("s-1");
      assertThat(wire.getTime().getNanos()).isEqualTo(123_456_789);
    }
    assertThat(seen)
        .hasSize(kinds.length)
        .hasSize(dev.enas.proto.v1.SearchEvent.getDescriptor().getOneofs().get(0).getFieldCount());
  }

  @Test
  void fieldsCarryOverWithTheArchitecturesSpace() {
    dev.enas.proto.v1.SearchEvent sampled =
        EventMapper.toWire(
            "s",
            new LoggedEvent(
                0,
                TIME,
                new SearchEvent.ArchitectureSampled(
                    3, 17, "micro: 0 1 1 4 ; 1 3 0 0", 0.71, -12.5, 3.25, 0.6)));
    assertThat(sampled.getArchitectureSampled().getEpoch()).isEqualTo(3);
    assertThat(sampled.getArchitectureSampled().getPolicyVersion()).isEqualTo(17);
    assertThat(sampled.getArchitectureSampled().getArchitecture().getSpace())
        .isEqualTo(SearchSpace.SEARCH_SPACE_MICRO);
    assertThat(sampled.getArchitectureSampled().getReward()).isEqualTo(0.71);
    assertThat(sampled.getArchitectureSampled().getLogProbability()).isEqualTo(-12.5);
    assertThat(sampled.getArchitectureSampled().getEntropy()).isEqualTo(3.25);
    assertThat(sampled.getArchitectureSampled().getBaseline()).isEqualTo(0.6);

    dev.enas.proto.v1.SearchEvent derived =
        EventMapper.toWire(
            "s",
            new LoggedEvent(
                1,
                TIME,
                new SearchEvent.Derived(
                    List.of(
                        new SearchEvent.Candidate("macro: 0", 0.9, -1),
                        new SearchEvent.Candidate("macro: 1", 0.8, -2)),
                    100)));
    assertThat(derived.getDerived().getTopList())
        .extracting(c -> c.getArchitecture().getEncoding())
        .containsExactly("macro: 0", "macro: 1");
    assertThat(derived.getDerived().getSampled()).isEqualTo(100);

    dev.enas.proto.v1.SearchEvent epoch =
        EventMapper.toWire(
            "s",
            new LoggedEvent(
                2, TIME, new SearchEvent.EpochFinished(2, 10, 1.5, 0.4, null, 0, 61.25)));
    assertThat(epoch.getEpochFinished().hasBestArchitecture()).isFalse();
    assertThat(epoch.getEpochFinished().getDuration().getSeconds()).isEqualTo(61);
    assertThat(epoch.getEpochFinished().getDuration().getNanos()).isEqualTo(250_000_000);
  }

  /** An instance of an event record with a plausible value in every component. */
  private static SearchEvent sample(Class<?> kind) throws Exception {
    RecordComponent[] components = kind.getRecordComponents();
    Class<?>[] types =
        Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
    Object[] values = Arrays.stream(types).map(EventMapperTest::valueOf).toArray();
    Constructor<?> constructor = kind.getDeclaredConstructor(types);
    return (SearchEvent) constructor.newInstance(values);
  }

  private static Object valueOf(Class<?> type) {
    if (type == int.class) {
      return 3;
    } else if (type == long.class) {
      return 4L;
    } else if (type == double.class) {
      return 0.5;
    } else if (type == String.class) {
      return "macro: 0";
    } else if (type == Phase.class) {
      return Phase.SHARED_TRAINING;
    } else if (type == boolean.class) {
      return true;
    } else if (type == List.class) {
      return List.of(new SearchEvent.Candidate("macro: 0", 0.5, -1));
    } else if (type == SearchEvent.Candidate.class) {
      return new SearchEvent.Candidate("macro: 0", 0.5, -1, 0.75, Double.NaN);
    } else if (type == SearchEvent.PlainBaseline.class) {
      return new SearchEvent.PlainBaseline("macro: 0", 0.5, 7, Double.NaN);
    } else if (type == SearchEvent.RankCheck.class) {
      return new SearchEvent.RankCheck(
          0.25, 0.5, 9, List.of(new SearchEvent.Candidate("macro: 0", 0.5, -1, 0.75, Double.NaN)));
    }
    throw new IllegalArgumentException("no sample value for " + type + "; extend the test");
  }
}
