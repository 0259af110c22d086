package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Hyper-parameters of the ENAS controller and of its training schedule. Defaults per space follow
 * the paper's released scripts; every value can be overridden through the search spec.
 *
 * @param kind {@code "enas"} (the LSTM policy trained by REINFORCE) or {@code "random"} (uniform
 *     sampling that never learns: random search with weight sharing, the honest baseline)
 * @param hiddenSize LSTM width; also the width of the op and "go" embeddings
 * @param lstmLayers stacked LSTM layers
 * @param learningRate Adam step size
 * @param tanhConstant c in c * tanh(logits / T); 0 turns the squashing off
 * @param temperature T in c * tanh(logits / T); 1 leaves the logits unchanged
 * @param opTanhReduce op decisions use tanhConstant / opTanhReduce (micro: 2.5, others 1)
 * @param entropyWeight weight of the sample's entropy added to its reward
 * @param baselineDecay decay of the exponential moving average baseline
 * @param skipTarget target probability of a skip connection (macro space)
 * @param skipWeight weight of KL(skip probability || skipTarget) in the loss (macro space)
 * @param gradientClip global gradient-norm bound; 0 turns clipping off
 * @param adamBeta2 Adam's second-moment decay (the first-moment decay is 0, as in the paper)
 * @param adamEpsilon Adam's epsilon
 * @param initRange parameters start uniform in [-initRange, initRange]
 * @param updatesPerEpoch controller updates after each pass of shared-weight training
 * @param childrenPerUpdate sampled children whose rewards one update aggregates
 * @param warmupEpochs the first epochs of shared training, in which children are drawn uniformly at
 *     random and the controller does not learn, so every operation's shared weights train before
 *     the rewards rank them (not in the paper; 0 turns it off)
 */
public record ControllerSpec(
    String kind,
    int hiddenSize,
    int lstmLayers,
    double learningRate,
    double tanhConstant,
    double temperature,
    double opTanhReduce,
    double entropyWeight,
    double baselineDecay,
    double skipTarget,
    double skipWeight,
    double gradientClip,
    double adamBeta2,
    double adamEpsilon,
    double initRange,
    int updatesPerEpoch,
    int childrenPerUpdate,
    int warmupEpochs) {

  /** A spec without warm-up epochs: the paper's schedule. */
  public ControllerSpec(
      String kind,
      int hiddenSize,
      int lstmLayers,
      double learningRate,
      double tanhConstant,
      double temperature,
      double opTanhReduce,
      double entropyWeight,
      double baselineDecay,
      double skipTarget,
      double skipWeight,
      double gradientClip,
      double adamBeta2,
      double adamEpsilon,
      double initRange,
      int updatesPerEpoch,
      int childrenPerUpdate) {
    this(
        kind,
        hiddenSize,
        lstmLayers,
        learningRate,
        tanhConstant,
        temperature,
        opTanhReduce,
        entropyWeight,
        baselineDecay,
        skipTarget,
        skipWeight,
        gradientClip,
        adamBeta2,
        adamEpsilon,
        initRange,
        updatesPerEpoch,
        childrenPerUpdate,
        0);
  }

  /** Largest hidden size accepted: far above the paper's 64-100, low enough to stay fast. */
  public static final int MAX_HIDDEN = 1024;

  /** The released CIFAR-10 macro search script's values. */
  public static ControllerSpec macroDefaults() {
    return new ControllerSpec(
        "enas", 64, 1, 1e-3, 1.5, 1.0, 1.0, 1e-4, 0.99, 0.4, 0.8, 5.0, 0.999, 1e-3, 0.1, 50, 20);
  }

  /** The released CIFAR-10 micro search script's values. */
  public static ControllerSpec microDefaults() {
    return new ControllerSpec(
        "enas", 64, 1, 3.5e-3, 1.1, 1.0, 2.5, 1e-4, 0.99, 0.4, 0.0, 5.0, 0.999, 1e-3, 0.1, 30, 10);
  }

  /** The released Penn Treebank search script's values. */
  public static ControllerSpec rnnDefaults() {
    return new ControllerSpec(
        "enas", 100, 1, 1e-3, 2.5, 5.0, 1.0, 1e-3, 0.99, 0.4, 0.0, 5.0, 0.999, 1e-3, 0.1, 50, 1);
  }

  /** Defaults for a space kind ("macro", "micro", "rnn"). */
  public static ControllerSpec defaultsFor(String spaceKind) {
    return switch (spaceKind) {
      case "macro" -> macroDefaults();
      case "micro" -> microDefaults();
      case "rnn" -> rnnDefaults();
      default ->
          throw new IllegalArgumentException(
              "space must be one of macro, micro, rnn; was '" + spaceKind + "'");
    };
  }

  /** The same spec with another controller kind. */
  public ControllerSpec withKind(String newKind) {
    return new ControllerSpec(
        newKind,
        hiddenSize,
        lstmLayers,
        learningRate,
        tanhConstant,
        temperature,
        opTanhReduce,
        entropyWeight,
        baselineDecay,
        skipTarget,
        skipWeight,
        gradientClip,
        adamBeta2,
        adamEpsilon,
        initRange,
        updatesPerEpoch,
        childrenPerUpdate,
        warmupEpochs);
  }

  /** The same spec with another learning rate. */
  public ControllerSpec withLearningRate(double rate) {
    return new ControllerSpec(
        kind,
        hiddenSize,
        lstmLayers,
        rate,
        tanhConstant,
        temperature,
        opTanhReduce,
        entropyWeight,
        baselineDecay,
        skipTarget,
        skipWeight,
        gradientClip,
        adamBeta2,
        adamEpsilon,
        initRange,
        updatesPerEpoch,
        childrenPerUpdate,
        warmupEpochs);
  }

  /**
   * Every field out of range, each naming the field (with the given prefix, for example
   * "controller.") and its accepted range; empty when the spec is valid.
   */
  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    if (!"enas".equals(kind) && !"random".equals(kind)) {
      out.add(
          new FieldViolation(prefix + "kind", "must be 'enas' or 'random', was '" + kind + "'"));
    }
    Checks.intRange(out, prefix + "hiddenSize", hiddenSize, 1, MAX_HIDDEN);
    Checks.intRange(out, prefix + "lstmLayers", lstmLayers, 1, 4);
    Checks.positive(out, prefix + "learningRate", learningRate, 1);
    Checks.range(out, prefix + "tanhConstant", tanhConstant, 0, 100, true);
    Checks.positive(out, prefix + "temperature", temperature, 1000);
    Checks.positive(out, prefix + "opTanhReduce", opTanhReduce, 1000);
    Checks.range(out, prefix + "entropyWeight", entropyWeight, 0, 10, true);
    Checks.range(out, prefix + "baselineDecay", baselineDecay, 0, 1, false);
    Checks.open(out, prefix + "skipTarget", skipTarget, 0, 1);
    Checks.range(out, prefix + "skipWeight", skipWeight, 0, 100, true);
    Checks.range(out, prefix + "gradientClip", gradientClip, 0, 1e6, true);
    Checks.range(out, prefix + "adamBeta2", adamBeta2, 0, 1, false);
    Checks.positive(out, prefix + "adamEpsilon", adamEpsilon, 1);
    Checks.positive(out, prefix + "initRange", initRange, 10);
    Checks.intRange(out, prefix + "updatesPerEpoch", updatesPerEpoch, 0, 1_000_000);
    Checks.intRange(out, prefix + "childrenPerUpdate", childrenPerUpdate, 1, 10_000);
    Checks.intRange(out, prefix + "warmupEpochs", warmupEpochs, 0, 1_000_000);
    return out;
  }

  /** Throws a {@link SpecException} naming every invalid field, if there is one. */
  public ControllerSpec validate() {
    SpecException.throwIfAny(violations("controller."));
    return this;
  }
}
