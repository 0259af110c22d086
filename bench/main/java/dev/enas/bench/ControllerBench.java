package dev.enas.bench;

import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.space.MacroSpace;
import dev.enas.spec.ControllerSpec;
import java.util.List;

/**
 * The controller's cost per shared-weight step (one sample) and per REINFORCE update, on the
 * paper's 12-layer macro space with the paper's controller (hidden 64). Both happen once per child,
 * so they must stay small next to a child's training step.
 */
final class ControllerBench {
  private ControllerBench() {}

  static Bench.Result sample() {
    Controller controller =
        Controllers.create(new MacroSpace(12), ControllerSpec.macroDefaults(), 1);
    double[] millis = Timing.measure(3000, 5000, controller::sample);
    System.out.println("controller-sample, 12-layer macro, hidden 64: " + Timing.summary(millis));
    return new Bench.Result(Timing.percentile(millis, 50), "ms");
  }

  static Bench.Result step() {
    Controller controller =
        Controllers.create(new MacroSpace(12), ControllerSpec.macroDefaults(), 1);
    Runnable step =
        () -> {
          Sample s = controller.sample();
          controller.update(List.of(new Reward(s, 0.5)));
        };
    double[] millis = Timing.measure(1000, 3000, step);
    System.out.println(
        "controller-step (sample + update of that sample), 12-layer macro, hidden 64: "
            + Timing.summary(millis));
    return new Bench.Result(Timing.percentile(millis, 50), "ms");
  }
}
