package dev.enas.controller;

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
    int childrenPerUpdate) {

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
      default -> throw new IllegalArgumentException(
          "space must be one of macro, micro, rnn; was '" + spaceKind + "'");
    };
  }

  /** The same spec with another controller kind. */
  public ControllerSpec withKind(String newKind) {
    return new ControllerSpec(newKind, hiddenSize, lstmLayers, learningRate, tanhConstant,
        temperature, opTanhReduce, entropyWeight, baselineDecay, skipTarget, skipWeight,
        gradientClip, adamBeta2, adamEpsilon, initRange, updatesPerEpoch, childrenPerUpdate);
  }

  /** The same spec with another learning rate. */
  public ControllerSpec withLearningRate(double rate) {
    return new ControllerSpec(kind, hiddenSize, lstmLayers, rate, tanhConstant,
        temperature, opTanhReduce, entropyWeight, baselineDecay, skipTarget, skipWeight,
        gradientClip, adamBeta2, adamEpsilon, initRange, updatesPerEpoch, childrenPerUpdate);
  }

  /**
   * Every field out of range, each message naming the field and its accepted range; empty when
   * the spec is valid. Field names carry the given prefix (for example "controller.").
   */
  public List<String> violations(String prefix) {
    List<String> out = new ArrayList<>();
    if (!"enas".equals(kind) && !"random".equals(kind)) {
      out.add(prefix + "kind must be 'enas' or 'random', was '" + kind + "'");
    }
    intRange(out, prefix + "hiddenSize", hiddenSize, 1, MAX_HIDDEN);
    intRange(out, prefix + "lstmLayers", lstmLayers, 1, 4);
    positive(out, prefix + "learningRate", learningRate, 1.0);
    range(out, prefix + "tanhConstant", tanhConstant, 0, 100, true);
    positive(out, prefix + "temperature", temperature, 1000);
    positive(out, prefix + "opTanhReduce", opTanhReduce, 1000);
    range(out, prefix + "entropyWeight", entropyWeight, 0, 10, true);
    range(out, prefix + "baselineDecay", baselineDecay, 0, 1, false);
    if (!(skipTarget > 0 && skipTarget < 1)) {
      out.add(prefix + "skipTarget must be in (0, 1), was " + skipTarget);
    }
    range(out, prefix + "skipWeight", skipWeight, 0, 100, true);
    range(out, prefix + "gradientClip", gradientClip, 0, 1e6, true);
    range(out, prefix + "adamBeta2", adamBeta2, 0, 1, false);
    positive(out, prefix + "adamEpsilon", adamEpsilon, 1);
    positive(out, prefix + "initRange", initRange, 10);
    intRange(out, prefix + "updatesPerEpoch", updatesPerEpoch, 0, 1_000_000);
    intRange(out, prefix + "childrenPerUpdate", childrenPerUpdate, 1, 10_000);
    return out;
  }

  /** Throws an {@link IllegalArgumentException} listing every violation, if there is one. */
  public ControllerSpec validate() {
    List<String> problems = violations("controller.");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return this;
  }

  private static void intRange(List<String> out, String field, int value, int min, int max) {
    if (value < min || value > max) {
      out.add(field + " must be in " + min + ".." + max + ", was " + value);
    }
  }

  private static void positive(List<String> out, String field, double value, double max) {
    if (!(value > 0 && value <= max)) {
      out.add(field + " must be positive, finite and at most " + max + ", was " + value);
    }
  }

  private static void range(
      List<String> out, String field, double value, double min, double max, boolean maxInclusive) {
    boolean ok = value >= min && (maxInclusive ? value <= max : value < max);
    if (!ok) {
      out.add(field + " must be in [" + min + ", " + max + (maxInclusive ? "]" : ")")
          + ", was " + value);
    }
  }
}
