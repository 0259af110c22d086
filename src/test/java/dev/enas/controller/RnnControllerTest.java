package dev.enas.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import dev.enas.spec.ControllerSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The controller drives the recurrent-cell space through the same decision program as the others.
 */
class RnnControllerTest {

  @Test
  void samplesValidCellsAndLearnsToPreferRewardedActivations() {
    RnnSpace space = new RnnSpace(12);
    Controller controller = Controllers.create(space, ControllerSpec.rnnDefaults(), 7);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      Sample s = controller.sample();
      RnnArchitecture cell = (RnnArchitecture) s.architecture();
      assertThat(space.parse(cell.encode())).isEqualTo(cell);
      assertThat(s.logProbability()).isNegative();
      seen.add(cell.encode());
    }
    assertThat(seen).hasSizeGreaterThan(90);

    // Reward the share of ReLU nodes; the policy should raise it clearly above the uniform 1/4.
    for (int update = 0; update < 100; update++) {
      List<Reward> batch = new ArrayList<>();
      for (int k = 0; k < 5; k++) {
        Sample s = controller.sample();
        batch.add(new Reward(s, reluShare((RnnArchitecture) s.architecture())));
      }
      controller.update(batch);
    }
    double share = 0;
    for (int i = 0; i < 100; i++) {
      share += reluShare((RnnArchitecture) controller.sample().architecture()) / 100;
    }
    assertThat(share).isGreaterThan(0.45);
  }

  private static double reluShare(RnnArchitecture cell) {
    int relu = 0;
    for (int l = 0; l < cell.nodes(); l++) {
      if (cell.activation(l) == dev.enas.space.RnnActivation.RELU) {
        relu++;
      }
    }
    return (double) relu / cell.nodes();
  }
}
