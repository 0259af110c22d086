package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.enas.train.SearchRun;
import org.junit.jupiter.api.Test;

class HaltPointTest {
  @Test
  void unsetIsOffAndPassesEveryPoint() {
    HaltPoint off = HaltPoint.parse(null);
    assertThat(off.enabled()).isFalse();
    for (String point : HaltPoint.POINTS) {
      off.reached(point);
    }
    assertThat(HaltPoint.parse(" ").enabled()).isFalse();
  }

  @Test
  void aPointNotYetAtItsOccurrencePasses() {
    HaltPoint h = HaltPoint.parse("deriving:3");
    assertThat(h.enabled()).isTrue();
    h.reached("deriving");
    h.reached("deriving");
    h.reached("shared-training");
  }

  @Test
  void everyStageOfTheRunIsAPoint() {
    for (SearchRun.Stage stage : SearchRun.Stage.values()) {
      if (stage != SearchRun.Stage.FINISHED) {
        assertThat(HaltPoint.POINTS).contains(HaltPoint.of(stage));
      }
    }
  }

  @Test
  void anythingElseIsRefusedNamingThePropertyAndThePoints() {
    for (String bad : new String[] {"derive", "deriving:0", "deriving:x", "deriving:1:2"}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HaltPoint.parse(bad))
          .withMessageContaining(HaltPoint.PROPERTY)
          .withMessageContaining("snapshot-write")
          .withMessageContaining(bad);
    }
  }
}
