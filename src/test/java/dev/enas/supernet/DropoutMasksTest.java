package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dropout masks belong to the network and its seed: what else the process drew from PyTorch's one
 * generator (another search, an earlier one) must not change a single training step.
 */
class DropoutMasksTest {
  private static final NetworkSpec DROPPING = new NetworkSpec(3, 4, 10, 1, 8, 8, 0.5f, false);
  private static final NetworkSpec KEEPING = new NetworkSpec(3, 4, 10, 1, 8, 8, 0f, false);
  private static final int BATCH = 8;
  private static final int STEPS = 3;

  /** Draws from PyTorch's process-wide generator, as PyTorch's own dropout elsewhere would. */
  private static void moveTorchGenerator() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.randomUniform(0f, 1f, new ai.djl.ndarray.types.Shape(1000)).toFloatArray();
    }
  }

  /** Losses of {@link #STEPS} steps on fixed batches, then every weight, as bits. */
  private static List<Object> train(SearchSpace space, NetworkSpec spec, long seed) {
    Random random = new Random(5);
    Architecture child = Fixtures.randomArchitecture(space, random);
    List<Object> out = new ArrayList<>();
    try (Supernet net = Supernet.create(space, spec, SgdSettings.macroDefaults(), seed)) {
      for (int s = 0; s < STEPS; s++) {
        StepResult r =
            net.trainStep(
                child,
                Fixtures.images(spec, BATCH, random),
                Fixtures.labels(spec, BATCH, random),
                0.05);
        assertThat(r.applied()).isTrue();
        out.add(Double.doubleToRawLongBits(r.loss()));
      }
      for (TensorState t : net.state()) {
        out.add(t.name());
        out.add(java.util.Arrays.toString(t.values()));
      }
    }
    return out;
  }

  private static List<Double> standaloneLosses(long seed) {
    MacroSpace space = new MacroSpace(3);
    Random random = new Random(6);
    Architecture child = Fixtures.randomArchitecture(space, random);
    List<Double> losses = new ArrayList<>();
    try (StandaloneNetwork net =
        StandaloneNetwork.create(child, DROPPING, SgdSettings.macroDefaults(), seed)) {
      for (int s = 0; s < STEPS; s++) {
        losses.add(
            net.trainStep(
                    Fixtures.images(DROPPING, BATCH, random),
                    Fixtures.labels(DROPPING, BATCH, random),
                    0.05)
                .loss());
      }
    }
    return losses;
  }

  @Test
  void theSameSeedDropsTheSameUnitsWhateverPyTorchsGeneratorDrewBefore() {
    for (SearchSpace space : List.of(new MacroSpace(3), new MicroSpace(2))) {
      List<Object> first = train(space, DROPPING, 11);
      moveTorchGenerator();
      List<Object> second = train(space, DROPPING, 11);
      assertThat(second).as("%s", space.describe()).isEqualTo(first);
    }
    List<Double> first = standaloneLosses(12);
    moveTorchGenerator();
    assertThat(standaloneLosses(12)).isEqualTo(first);
  }

  @Test
  void dropoutActsInTrainingStepsOnly() {
    MacroSpace space = new MacroSpace(3);
    // The same seed gives the same starting weights: only the masks make the first losses differ.
    assertThat(train(space, DROPPING, 11).get(0)).isNotEqualTo(train(space, KEEPING, 11).get(0));
    Random random = new Random(7);
    Architecture child = Fixtures.randomArchitecture(space, random);
    float[] images = Fixtures.images(DROPPING, BATCH, random);
    try (Supernet dropping = Supernet.create(space, DROPPING, SgdSettings.macroDefaults(), 3);
        Supernet keeping = Supernet.create(space, KEEPING, SgdSettings.macroDefaults(), 3)) {
      assertThat(dropping.logits(child, images)).containsExactly(keeping.logits(child, images));
    }
  }
}
