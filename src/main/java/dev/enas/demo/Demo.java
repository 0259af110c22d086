package dev.enas.demo;

import dev.enas.spec.ControllerSpec;
import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.controller.UpdateResult;
import dev.enas.space.Architecture;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroOp;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine can do so far, end to end on this machine: the search spaces, architectures
 * sampled by the ENAS controller, and the controller learning a synthetic reward by REINFORCE
 * next to the random-search baseline with the same budget.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
    System.out.println("enas demo (seed " + seed + ")");
    System.out.println();
    for (SearchSpace space : List.of(new MacroSpace(12), new MicroSpace(5))) {
      System.out.printf("%s: %d decisions, %.1e architectures, ops %s%n", space.describe(),
          space.decisionWidth(), space.size().doubleValue(), space.opNames());
      Controller controller =
          Controllers.create(space, ControllerSpec.defaultsFor(space.kind()), seed);
      for (int i = 0; i < 3; i++) {
        Sample s = controller.sample();
        System.out.printf("  sampled  %s%n           log p = %.2f, entropy = %.2f%n",
            s.architecture().encode(), s.logProbability(), s.entropy());
      }
      System.out.println();
    }

    System.out.println("REINFORCE on a synthetic reward: the fraction of layers running sep3x3");
    System.out.println("(8-layer macro space, 10 children per update)");
    MacroSpace space = new MacroSpace(8);
    ControllerSpec base = ControllerSpec.macroDefaults();
    ControllerSpec spec = new ControllerSpec("enas", 32, 1, 0.02, 2.5, 1.0, 1.0, 1e-4, 0.9, 0.4,
        0.8, 5.0, 0.999, 1e-3, 0.1, base.updatesPerEpoch(), base.childrenPerUpdate());
    Controller enas = Controllers.create(space, spec, seed);
    Controller random = Controllers.create(space, spec.withKind("random"), seed);
    System.out.println("  update   enas reward   random reward   enas entropy");
    for (int u = 1; u <= 150; u++) {
      UpdateResult a = enas.update(batch(enas));
      UpdateResult b = random.update(batch(random));
      if (u == 1 || u % 25 == 0) {
        System.out.printf("  %6d   %11.3f   %13.3f   %12.2f%n", u, a.meanReward(),
            b.meanReward(), a.meanEntropy());
      }
    }
    Sample best = enas.sample();
    System.out.println("  the trained policy now samples " + best.architecture().encode());
  }

  private static List<Reward> batch(Controller controller) {
    List<Reward> rewards = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      Sample s = controller.sample();
      rewards.add(new Reward(s, sepConvFraction(s.architecture())));
    }
    return rewards;
  }

  private static double sepConvFraction(Architecture architecture) {
    MacroArchitecture arch = (MacroArchitecture) architecture;
    int count = 0;
    for (int i = 0; i < arch.layers(); i++) {
      if (arch.op(i) == MacroOp.SEP_CONV_3X3) {
        count++;
      }
    }
    return (double) count / arch.layers();
  }
}
