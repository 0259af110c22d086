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
 * @param languageModel settings only the rnn space reads (BPTT length, dropout, vocabulary bound)
 */
public record SearchSpec(
    SpaceSpec space,
    DataSpec data,
    ChildSpec child,
    TrainingSpec shared,
    ControllerSpec controller,
    DeriveSpec derive,
    RetrainSpec retrain,
    long seed,
    LanguageModelSpec languageModel) {

  /** A spec with the default language-model section (which the convolutional spaces ignore). */
  public SearchSpec(
      SpaceSpec space,
      DataSpec data,
      ChildSpec child,
      TrainingSpec shared,
      ControllerSpec controller,
      DeriveSpec derive,
      RetrainSpec retrain,
      long seed) {
    this(
        space,
        data,
        child,
        shared,
        controller,
        derive,
        retrain,
        seed,
        LanguageModelSpec.defaults());
  }

  /**
   * The paper's settings for a space ("macro" or "micro") on a CIFAR-sized task: 310 and 150 search
   * epochs, 12 layers or 5-node cells, and the released scripts' final-training setup.
   */
  public static SearchSpec defaults(String kind) {
    boolean macro = "macro".equals(kind);
    if ("rnn".equals(kind)) {
      return rnnDefaults();
    }
    if (!macro && !"micro".equals(kind)) {
      throw new SpecException(
          List.of(
              new FieldViolation(
                  "space.kind", "must be 'macro', 'micro' or 'rnn', was '" + kind + "'")));
    }
    double decay = macro ? 2.5e-4 : 1e-4;
    TrainingSpec searchTraining =
        new TrainingSpec(macro ? 310 : 150, 0, 0.05, 0.0005, 10, 2, 0.9, decay, 5.0, 10);
    TrainingSpec finalTraining =
        new TrainingSpec(
            macro ? 310 : 630,
            0,
            0.05,
            0.0001,
            macro ? 10 : 630,
            macro ? 2 : 1,
            0.9,
            decay,
            5.0,
            10);
    return new SearchSpec(
        macro ? SpaceSpec.macro(12) : SpaceSpec.micro(5),
        DataSpec.embedded(),
        new ChildSpec(macro ? 36 : 20, 2, macro ? 128 : 160, 0.1),
        searchTraining,
        ControllerSpec.defaultsFor(kind),
        new DeriveSpec(100, 5),
        new RetrainSpec(
            new ChildSpec(macro ? 96 : 36, 5, macro ? 128 : 96, 0.1), finalTraining, 16),
        1);
  }

  /**
   * The paper's Penn Treebank search, sized for the embedded sonnets: a 12-node cell of hidden size
   * 200, batch 64, BPTT 35, plain SGD at learning rate 20 with gradient clipping 0.25; the
   * controller's PTB settings; retraining at hidden size 400. The learning rate stays constant (the
   * cosine schedule's top and bottom are equal).
   */
  private static SearchSpec rnnDefaults() {
    TrainingSpec search = new TrainingSpec(150, 0, 20, 20, 1, 1, 0, 1e-7, 0.25, 10);
    TrainingSpec retrain = new TrainingSpec(40, 0, 20, 20, 1, 1, 0, 1e-7, 0.25, 10);
    return new SearchSpec(
        SpaceSpec.rnn(12),
        DataSpec.sonnets(),
        new ChildSpec(200, 1, 64, 0.25),
        search,
        ControllerSpec.rnnDefaults(),
        new DeriveSpec(100, 5),
        new RetrainSpec(new ChildSpec(400, 1, 64, 0.25), retrain, 0),
        1,
        LanguageModelSpec.defaults());
  }

  /**
   * A recurrent-cell search on the embedded sonnets that finishes in a few minutes on two CPU
   * cores: an 8-node cell of hidden size 64, batch 32, BPTT 35, 6 search epochs with 10 controller
   * updates of 5 children each, retraining at hidden size 128 for 6 epochs.
   */
  public static SearchSpec rnnDemo() {
    SearchSpec d = rnnDefaults();
    ControllerSpec c = d.controller();
    ControllerSpec controller =
        new ControllerSpec(
            c.kind(),
            c.hiddenSize(),
            c.lstmLayers(),
            c.learningRate(),
            c.tanhConstant(),
            c.temperature(),
            c.opTanhReduce(),
            c.entropyWeight(),
            0.95,
            c.skipTarget(),
            c.skipWeight(),
            c.gradientClip(),
            c.adamBeta2(),
            c.adamEpsilon(),
            c.initRange(),
            10,
            5);
    return new SearchSpec(
        SpaceSpec.rnn(8),
        DataSpec.sonnets(),
        new ChildSpec(64, 1, 32, 0.25),
        new TrainingSpec(6, 0, 20, 20, 1, 1, 0, 1e-7, 0.25, 10),
        controller,
        new DeriveSpec(30, 5),
        new RetrainSpec(
            new ChildSpec(128, 1, 32, 0.25),
            new TrainingSpec(6, 0, 20, 20, 1, 1, 0, 1e-7, 0.25, 10),
            0),
        1,
        LanguageModelSpec.defaults());
  }

  /**
   * A search small enough to finish in a few minutes on two CPU cores: a 6-layer macro space of 12
   * channels (widening at reductions) on the embedded Fashion-MNIST subset, 6 search epochs (one
   * cosine period), the first 2 warm-up epochs of uniformly drawn children, then 10 controller
   * updates of 10 children each per epoch; the derived child is the policy's most probable one (the
   * best of 50 one-batch scores at this budget is mostly the luckiest), retrained at 16 channels
   * for 3 epochs, and the plain child retrained the same way beside it. With only 40 controller
   * updates the controller learns at 5e-3 (the paper's 1e-3 barely moves the policy in 40 steps)
   * with a baseline decay of 0.95, and its skip target is 0.2 (the paper's 0.4 asks for six skips
   * in six layers). Sixteen channels, not more: oneDNN computes in blocks of 16 channels, so 24
   * costs what 32 does, and a 5x5 child at 32 channels takes four times as long.
   */
  public static SearchSpec demo() {
    SearchSpec d = defaults("macro");
    ControllerSpec controller = d.controller();
    return new SearchSpec(
        SpaceSpec.macro(6),
        DataSpec.embedded(),
        new ChildSpec(12, 1, 64, 0.0),
        new TrainingSpec(6, 0, 0.05, 0.0005, 6, 2, 0.9, 2.5e-4, 5.0, 10),
        new ControllerSpec(
            controller.kind(),
            controller.hiddenSize(),
            controller.lstmLayers(),
            5e-3,
            controller.tanhConstant(),
            controller.temperature(),
            controller.opTanhReduce(),
            controller.entropyWeight(),
            0.95,
            0.2,
            controller.skipWeight(),
            controller.gradientClip(),
            controller.adamBeta2(),
            controller.adamEpsilon(),
            controller.initRange(),
            10,
            10,
            2),
        new DeriveSpec(50, 5).withSelection(DeriveSpec.MOST_PROBABLE),
        new RetrainSpec(
            new ChildSpec(16, 1, 64, 0.0),
            new TrainingSpec(3, 0, 0.05, 0.0005, 3, 1, 0.9, 2.5e-4, 5.0, 10),
            0,
            true),
        1);
  }

  /**
   * A search that takes seconds, for smoke tests of a deployment and for the test suites: 3 macro
   * layers or 2-node cells of 4 channels on 400 embedded images, 2 epochs of 4 steps, 2 controller
   * updates of 3 children, 6 derivation samples, 4 retraining steps.
   */
  /**
   * This spec with its shared-training length changed: {@code epochs} epochs of {@code
   * stepsPerEpoch} steps, all else as it is (tests and benchmarks that need a search long enough to
   * stop in the middle).
   */
  public SearchSpec withSharedLength(int epochs, int stepsPerEpoch) {
    TrainingSpec s = shared;
    return new SearchSpec(
        space,
        data,
        child,
        new TrainingSpec(
            epochs,
            stepsPerEpoch,
            s.learningRateMax(),
            s.learningRateMin(),
            s.restartPeriod(),
            s.restartMultiplier(),
            s.momentum(),
            s.weightDecay(),
            s.gradientClip(),
            s.maxNonFiniteSteps()),
        controller,
        derive,
        retrain,
        seed);
  }

  public static SearchSpec smoke(String kind, long seed) {
    ControllerSpec c = ControllerSpec.defaultsFor(kind);
    ControllerSpec controller =
        new ControllerSpec(
            c.kind(),
            16,
            1,
            c.learningRate(),
            c.tanhConstant(),
            c.temperature(),
            c.opTanhReduce(),
            c.entropyWeight(),
            c.baselineDecay(),
            c.skipTarget(),
            c.skipWeight(),
            c.gradientClip(),
            c.adamBeta2(),
            c.adamEpsilon(),
            c.initRange(),
            2,
            3);
    if ("rnn".equals(kind)) {
      // 4-node cells of hidden size 8 on the first 2,000 tokens of the sonnets, BPTT 10.
      TrainingSpec training = new TrainingSpec(2, 4, 20, 20, 1, 1, 0, 1e-7, 0.25, 3);
      return new SearchSpec(
          SpaceSpec.rnn(4),
          new DataSpec(DataSpec.SONNETS, 0.1, 2000),
          new ChildSpec(8, 1, 4, 0),
          training,
          controller,
          new DeriveSpec(6, 3),
          new RetrainSpec(new ChildSpec(8, 1, 4, 0), training, 0),
          seed,
          new LanguageModelSpec(10, 0, 0, 50_000));
    }
    return new SearchSpec(
        "macro".equals(kind) ? SpaceSpec.macro(3) : SpaceSpec.micro(2),
        new DataSpec(DataSpec.EMBEDDED, 0.2, 400),
        new ChildSpec(4, 1, 16, 0),
        new TrainingSpec(2, 4, 0.05, 0.001, 1, 2, 0.9, 2.5e-4, 5, 3),
        controller,
        new DeriveSpec(6, 3),
        new RetrainSpec(
            new ChildSpec(4, 1, 16, 0),
            new TrainingSpec(1, 4, 0.05, 0.001, 1, 1, 0.9, 2.5e-4, 5, 3),
            4),
        seed);
  }

  /** Every invalid field, named by its dotted path; empty when the spec is valid. */
  public List<FieldViolation> violations() {
    List<FieldViolation> out = new ArrayList<>();
    if (space == null
        || data == null
        || child == null
        || shared == null
        || controller == null
        || derive == null
        || retrain == null
        || languageModel == null) {
      out.add(
          new FieldViolation(
              "spec",
              "every section (space, data, child, shared, controller,"
                  + " derive, retrain, languageModel) must be present"));
      return out;
    }
    out.addAll(space.violations("space."));
    out.addAll(data.violations("data."));
    out.addAll(child.violations("child."));
    out.addAll(shared.violations("shared."));
    out.addAll(controller.violations("controller."));
    out.addAll(derive.violations("derive."));
    out.addAll(retrain.violations("retrain."));
    out.addAll(languageModel.violations("languageModel."));
    if (controller.warmupEpochs() > 0 && controller.warmupEpochs() >= shared.epochs()) {
      out.add(
          new FieldViolation(
              "controller.warmupEpochs",
              "must be below shared.epochs ("
                  + shared.epochs()
                  + ") so that the controller learns at all, was "
                  + controller.warmupEpochs()));
    }
    if (derive.mostProbable() && "random".equals(controller.kind())) {
      out.add(
          new FieldViolation(
              "derive.selection",
              "the random controller's policy is uniform"
                  + " and has no most probable child: use '"
                  + DeriveSpec.BEST_REWARD
                  + "' or controller.kind 'enas'"));
    }
    boolean rnn = "rnn".equals(space.kind());
    if (rnn && !data.isText() && data.dataset() != null) {
      out.add(
          new FieldViolation(
              "data.dataset",
              "the rnn space models text: must be 'sonnets'"
                  + " or 'ptb:DIR', was '"
                  + data.dataset()
                  + "'"));
    } else if (!rnn && data.isText()) {
      out.add(
          new FieldViolation(
              "data.dataset",
              "the "
                  + space.kind()
                  + " space classifies"
                  + " images: must be 'fashion-mnist', 'idx:DIR' or 'cifar10:DIR', was '"
                  + data.dataset()
                  + "'"));
    }
    return out;
  }

  /** This spec, or a {@link SpecException} naming every invalid field. */
  public SearchSpec validate() {
    SpecException.throwIfAny(violations());
    return this;
  }
}
