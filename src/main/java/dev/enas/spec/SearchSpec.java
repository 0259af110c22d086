package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a search needs, with the paper's defaults per space ({@link #defaults}) and a small
 * preset for this repository's demo ({@link #demo}). Validation lists every invalid field with its
 * accepted range before any training starts.
 *
 * @param space the search space and its size
 * @param data data set and validation split
 * @param child network the shared weights form during the search
 * @param shared training of the shared weights
 * @param controller the controller and its schedule (updates per epoch, children per update)
 * @param derive choice of the final child
 * @param retrain retraining of the final child from scratch
 * @param seed seeds every random choice; the same seed on the same machine repeats the search
 */
public record SearchSpec(
    SpaceSpec space,
    DataSpec data,
    ChildSpec child,
    TrainingSpec shared,
    ControllerSpec controller,
    DeriveSpec derive,
    RetrainSpec retrain,
    long seed) {

  /**
   * The paper's settings for a space ("macro" or "micro") on a CIFAR-sized task: 310 and 150
   * search epochs, 12 layers or 5-node cells, and the released scripts' final-training setup.
   */
  public static SearchSpec defaults(String kind) {
    boolean macro = "macro".equals(kind);
    if (!macro && !"micro".equals(kind)) {
      throw new SpecException(List.of(new FieldViolation(
          "space.kind", "must be 'macro' or 'micro', was '" + kind + "'")));
    }
    double decay = macro ? 2.5e-4 : 1e-4;
    TrainingSpec searchTraining = new TrainingSpec(
        macro ? 310 : 150, 0, 0.05, 0.0005, 10, 2, 0.9, decay, 5.0, 10);
    TrainingSpec finalTraining = new TrainingSpec(
        macro ? 310 : 630, 0, 0.05, 0.0001, macro ? 10 : 630, macro ? 2 : 1, 0.9, decay, 5.0, 10);
    return new SearchSpec(
        macro ? SpaceSpec.macro(12) : SpaceSpec.micro(5),
        DataSpec.embedded(),
        new ChildSpec(macro ? 36 : 20, 2, macro ? 128 : 160, 0.1),
        searchTraining,
        ControllerSpec.defaultsFor(kind),
        new DeriveSpec(100, 5),
        new RetrainSpec(new ChildSpec(macro ? 96 : 36, 5, macro ? 128 : 96, 0.1),
            finalTraining, 16),
        1);
  }

  /**
   * A search small enough to finish in a few minutes on two CPU cores: a 6-layer macro space of 12
   * channels on the embedded Fashion-MNIST subset, 6 search epochs (one cosine period) with 10
   * controller updates of 10 children each (baseline decay 0.95, since there are few updates),
   * retraining at 24 channels for 3 epochs.
   */
  public static SearchSpec demo() {
    SearchSpec d = defaults("macro");
    ControllerSpec controller = d.controller();
    return new SearchSpec(
        SpaceSpec.macro(6),
        DataSpec.embedded(),
        new ChildSpec(12, 1, 64, 0.0),
        new TrainingSpec(6, 0, 0.05, 0.0005, 6, 2, 0.9, 2.5e-4, 5.0, 10),
        new ControllerSpec(controller.kind(), controller.hiddenSize(), controller.lstmLayers(),
            controller.learningRate(), controller.tanhConstant(), controller.temperature(),
            controller.opTanhReduce(), controller.entropyWeight(), 0.95,
            controller.skipTarget(), controller.skipWeight(), controller.gradientClip(),
            controller.adamBeta2(), controller.adamEpsilon(), controller.initRange(), 10, 10),
        new DeriveSpec(50, 5),
        new RetrainSpec(new ChildSpec(24, 1, 64, 0.0),
            new TrainingSpec(3, 0, 0.05, 0.0005, 3, 1, 0.9, 2.5e-4, 5.0, 10), 0),
        1);
  }

  /**
   * A search that takes seconds, for smoke tests of a deployment and for the test suites: 3 macro
   * layers or 2-node cells of 4 channels on 400 embedded images, 2 epochs of 4 steps, 2 controller
   * updates of 3 children, 6 derivation samples, 4 retraining steps.
   */
  public static SearchSpec smoke(String kind, long seed) {
    ControllerSpec c = ControllerSpec.defaultsFor(kind);
    ControllerSpec controller = new ControllerSpec(c.kind(), 16, 1, c.learningRate(),
        c.tanhConstant(), c.temperature(), c.opTanhReduce(), c.entropyWeight(), c.baselineDecay(),
        c.skipTarget(), c.skipWeight(), c.gradientClip(), c.adamBeta2(), c.adamEpsilon(),
        c.initRange(), 2, 3);
    return new SearchSpec(
        "macro".equals(kind) ? SpaceSpec.macro(3) : SpaceSpec.micro(2),
        new DataSpec(DataSpec.EMBEDDED, 0.2, 400),
        new ChildSpec(4, 1, 16, 0),
        new TrainingSpec(2, 4, 0.05, 0.001, 1, 2, 0.9, 2.5e-4, 5, 3),
        controller,
        new DeriveSpec(6, 3),
        new RetrainSpec(new ChildSpec(4, 1, 16, 0),
            new TrainingSpec(1, 4, 0.05, 0.001, 1, 1, 0.9, 2.5e-4, 5, 3), 4),
        seed);
  }

  /** Every invalid field, named by its dotted path; empty when the spec is valid. */
  public List<FieldViolation> violations() {
    List<FieldViolation> out = new ArrayList<>();
    if (space == null || data == null || child == null || shared == null || controller == null
        || derive == null || retrain == null) {
      out.add(new FieldViolation("spec", "every section (space, data, child, shared, controller,"
          + " derive, retrain) must be present"));
      return out;
    }
    out.addAll(space.violations("space."));
    out.addAll(data.violations("data."));
    out.addAll(child.violations("child."));
    out.addAll(shared.violations("shared."));
    out.addAll(controller.violations("controller."));
    out.addAll(derive.violations("derive."));
    out.addAll(retrain.violations("retrain."));
    return out;
  }

  /** This spec, or a {@link SpecException} naming every invalid field. */
  public SearchSpec validate() {
    SpecException.throwIfAny(violations());
    return this;
  }
}
