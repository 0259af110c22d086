package dev.enas.controller;

import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.SearchSpace;
import dev.enas.spec.ControllerSpec;
import java.util.List;
import java.util.Map;

/**
 * Uniform sampling over the space, never learning: random search with weight sharing (Li and
 * Talwalkar 2019), the baseline ENAS must beat with the same budget. Every op and input is equally
 * likely and every skip bit is a fair coin. It tracks the same baseline statistic as the LSTM
 * controller so both report comparable progress.
 */
public final class RandomController implements Controller {
  private static final double LOG_HALF = Math.log(0.5);

  private final SearchSpace space;
  private final ControllerSpec spec;
  private Rng rng;
  private double baseline = Double.NaN;
  private long policyVersion;

  public RandomController(SearchSpace space, ControllerSpec spec, long seed) {
    this.space = space;
    this.spec = spec.validate();
    this.rng = new Rng(seed);
  }

  /** A controller continuing exactly from a snapshot. */
  public static RandomController restore(
      SearchSpace space, ControllerSpec spec, ControllerState state) {
    if (!"random".equals(state.kind())) {
      throw new IllegalArgumentException("state is of a '" + state.kind() + "' controller");
    }
    RandomController c = new RandomController(space, spec, 0);
    c.rng = new Rng(state.rngState());
    c.baseline = state.baseline();
    c.policyVersion = state.policyVersion();
    return c;
  }

  @Override
  public SearchSpace space() {
    return space;
  }

  @Override
  public Sample sample() {
    int[] values = new int[space.decisionWidth()];
    Walk walk = walk(values, true);
    return sample(space.fromDecisions(values), walk);
  }

  @Override
  public Sample score(Architecture architecture) {
    if (!architecture.space().equals(space)) {
      throw new IllegalArgumentException(
          "architecture of "
              + architecture.space().describe()
              + " given to a controller of "
              + space.describe());
    }
    return sample(architecture, walk(architecture.decisions(), false));
  }

  /** The log-probability and skip penalty of one path through the space's decisions. */
  private record Walk(double logProb, double skipPenalty) {}

  /**
   * The one walk over the space's decisions, as {@link LstmController} has one rollout for sampling
   * and scoring: each decision is drawn into {@code values} when {@code draw} is set, and read from
   * it otherwise; either way its uniform log-probability and skip penalty are added.
   */
  private Walk walk(int[] values, boolean draw) {
    double logProb = 0;
    double skipPenalty = 0;
    double q = spec.skipTarget();
    double klPerBit = 0.5 * (LOG_HALF - Math.log(q)) + 0.5 * (LOG_HALF - Math.log(1 - q));
    int cursor = 0;
    for (Decision decision : space.decisions()) {
      if (decision instanceof Decision.Op) {
        cursor = choose(values, cursor, space.numOps(), draw);
        logProb -= Math.log(space.numOps());
      } else if (decision instanceof Decision.Input input) {
        cursor = choose(values, cursor, input.candidates(), draw);
        logProb -= Math.log(input.candidates());
      } else if (decision instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          cursor = choose(values, cursor, 2, draw);
        }
        logProb += skips.previous() * LOG_HALF;
        skipPenalty += skips.previous() * klPerBit;
      } else if (decision instanceof Decision.Anchor) {
        // Nothing drawn.
      }
    }
    return new Walk(logProb, skipPenalty);
  }

  /** Draws {@code values[cursor]} uniformly from {@code choices} when drawing; the next cursor. */
  private int choose(int[] values, int cursor, int choices, boolean draw) {
    if (draw) {
      values[cursor] = rng.nextInt(choices);
    }
    return cursor + 1;
  }

  private Sample sample(Architecture architecture, Walk walk) {
    // For a uniform policy the entropy along any path equals minus its log-probability.
    return new Sample(
        architecture, walk.logProb(), -walk.logProb(), walk.skipPenalty(), policyVersion);
  }

  @Override
  public UpdateResult update(List<Reward> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("an update needs at least one rewarded sample");
    }
    double mean = 0;
    double meanEntropy = 0;
    for (Reward r : batch) {
      if (!r.sample().architecture().space().equals(space)) {
        throw new IllegalArgumentException("architecture of another space in the batch");
      }
      mean += r.reward() / batch.size();
      meanEntropy += r.sample().entropy() / batch.size();
    }
    baseline =
        Double.isNaN(baseline)
            ? mean
            : spec.baselineDecay() * baseline + (1 - spec.baselineDecay()) * mean;
    policyVersion++;
    return new UpdateResult(policyVersion, batch.size(), mean, meanEntropy, baseline, 0, 0);
  }

  @Override
  public long policyVersion() {
    return policyVersion;
  }

  @Override
  public double baseline() {
    return baseline;
  }

  @Override
  public ControllerState snapshot() {
    return new ControllerState(
        "random", rng.state(), policyVersion, baseline, Map.of(), Map.of(), 0);
  }
}
