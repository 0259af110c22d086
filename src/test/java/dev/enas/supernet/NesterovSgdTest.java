package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The optimizer against updates worked out by hand for w = (1, -2) and loss = 0.5 w0 + 3 w1. */
class NesterovSgdTest {
  private static final float[] COEFFICIENTS = {0.5f, 3f};

  private ParamStore store;
  private Param w;
  private Param idle;

  @BeforeEach
  void setUp() {
    store = new ParamStore(0);
    w = store.weight("w", new long[] {2}, new float[] {1f, -2f});
    idle = store.weight("idle", new long[] {2}, new float[] {5f, 6f});
    idle.momentum().addi(1f);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void twoStepsWithMomentumAndWeightDecay() {
    NesterovSgd sgd = new NesterovSgd(new SgdSettings(0.9, 0.1, 0));
    // Step 1: d = g + 0.1 w = (0.6, 2.8); v = d; w -= 0.1 (d + 0.9 v) = (0.886, -2.532).
    step(sgd);
    assertClose(w.value().toFloatArray(), 0.886f, -2.532f);
    assertClose(w.momentum().toFloatArray(), 0.6f, 2.8f);
    // Step 2: d = (0.5886, 2.7468); v = 0.9 v + d = (1.1286, 5.2668);
    // w -= 0.1 (d + 0.9 v) = (0.725566, -3.280692).
    step(sgd);
    assertClose(w.value().toFloatArray(), 0.725566f, -3.280692f);
    assertClose(w.momentum().toFloatArray(), 1.1286f, 5.2668f);
    // Weights outside the active set and their momentum are never read or written.
    assertThat(idle.value().toFloatArray()).containsExactly(5f, 6f);
    assertThat(idle.momentum().toFloatArray()).containsExactly(1f, 1f);
  }

  @Test
  void clipsTheGlobalNormAndZeroesGradients() {
    NesterovSgd sgd = new NesterovSgd(new SgdSettings(0.9, 0.1, 1.0));
    // d = (0.6, 2.8), |d| = sqrt(8.2); d' = d / |d| = (0.2095291, 0.9777996);
    // v = d'; w -= 0.1 (d' + 0.9 d') = (0.9601895, -2.1857819).
    NesterovSgd.Update update = step(sgd);
    assertThat(update.gradientNorm()).isCloseTo(Math.sqrt(8.2), within(1e-5));
    assertThat(update.applied()).isTrue();
    assertClose(w.value().toFloatArray(), 0.9601895f, -2.1857819f);
    try (NDArray grad = w.value().getGradient()) {
      assertThat(grad.toFloatArray()).containsExactly(0f, 0f);
    }
  }

  @Test
  void nonFiniteGradientIsNotAppliedAndIsCleared() {
    NesterovSgd sgd = new NesterovSgd(new SgdSettings(0.9, 0.1, 1.0));
    NesterovSgd.Update update = step(sgd, new float[] {Float.NaN, 1f});
    assertThat(update.applied()).isFalse();
    assertThat(w.value().toFloatArray()).containsExactly(1f, -2f);
    assertThat(w.momentum().toFloatArray()).containsExactly(0f, 0f);
    // Subtracting a NaN gradient from itself would leave NaN: the clearing must not.
    try (NDArray grad = w.value().getGradient()) {
      assertThat(grad.toFloatArray()).containsExactly(0f, 0f);
    }
    step(sgd);
    assertClose(w.value().toFloatArray(), 0.9601895f, -2.1857819f);
  }

  private NesterovSgd.Update step(NesterovSgd sgd) {
    return step(sgd, COEFFICIENTS);
  }

  private NesterovSgd.Update step(NesterovSgd sgd, float[] coefficients) {
    try (NDManager step = store.manager().newSubManager()) {
      try (GradientCollector collector = step.getEngine().newGradientCollector()) {
        NDArray c = step.create(coefficients);
        collector.backward(c.mul(w.value()).sum());
      }
      return sgd.apply(List.of(w), 0.1, step);
    }
  }

  private static void assertClose(float[] actual, float... expected) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f));
    }
  }
}
