package dev.enas.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import dev.enas.spec.ControllerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks the hand-written back-propagation against central finite differences of the loss, for
 * every parameter tensor, in both spaces and with stacked LSTM layers.
 */
class ControllerGradientTest {

  @ParameterizedTest(name = "{0} size {1}, {2} LSTM layers, tanh {3}")
  @CsvSource({
    "macro, 4, 1, 1.5",
    "macro, 3, 2, 0",
    "micro, 2, 1, 1.1",
    "micro, 2, 2, 2.5",
  })
  void analyticGradientsMatchFiniteDifferences(String kind, int size, int lstmLayers, double tanh) {
    SearchSpace space = kind.equals("macro") ? new MacroSpace(size) : new MicroSpace(size);
    ControllerSpec base = ControllerSpec.defaultsFor(kind);
    ControllerSpec spec =
        new ControllerSpec(
            "enas",
            5,
            lstmLayers,
            1e-3,
            tanh,
            1.7,
            2.5,
            1e-4,
            0.99,
            0.4,
            0.8,
            0,
            0.999,
            1e-3,
            0.5,
            base.updatesPerEpoch(),
            base.childrenPerUpdate());
    LstmController controller = new LstmController(space, spec, 11);
    List<int[]> decisions = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      decisions.add(controller.sample().architecture().decisions());
    }
    double[] advantages = {0.7, -0.4, 0.25};
    Map<String, double[]> analytic = controller.gradients(decisions, advantages);
    Map<String, double[]> params = controller.parameters();
    Random random = new Random(3);
    double eps = 1e-6;
    for (String name : params.keySet()) {
      double[] values = params.get(name);
      double[] grad = analytic.get(name);
      double norm = 0;
      for (double g : grad) {
        norm += g * g;
      }
      assertThat(norm).as("gradient of %s is not all zero", name).isGreaterThan(0);
      for (int probe = 0; probe < 6; probe++) {
        int i = random.nextInt(values.length);
        double saved = values[i];
        values[i] = saved + eps;
        double plus = controller.loss(decisions, advantages);
        values[i] = saved - eps;
        double minus = controller.loss(decisions, advantages);
        values[i] = saved;
        double numeric = (plus - minus) / (2 * eps);
        assertThat(grad[i])
            .as("d loss / d %s[%d]", name, i)
            .isCloseTo(
                numeric, org.assertj.core.data.Offset.offset(1e-7 + 1e-5 * Math.abs(numeric)));
      }
    }
  }
}
