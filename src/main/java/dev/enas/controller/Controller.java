package dev.enas.controller;

import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import java.util.List;

/**
 * A policy over the architectures of one search space. Sampling draws a child; updating takes the
 * rewards of several sampled children at once, as the paper aggregates them per controller step.
 *
 * <p>Implementations are deterministic for a seed and not thread-safe: one owner drives each.
 */
public interface Controller {

  SearchSpace space();

  /** Draws a child from the current policy. */
  Sample sample();

  /**
   * The policy's most probable child by greedy decoding, drawing nothing from the sampling stream;
   * a policy without a mode (the uniform one) has none.
   */
  default Sample mostProbable() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no mode");
  }

  /**
   * The policy's log-probability, entropy and skip penalty for a given child, without drawing
   * randomness (so scoring never changes the sample sequence).
   */
  Sample score(Architecture architecture);

  /**
   * One policy update from a batch of rewarded samples (REINFORCE with the moving-average
   * baseline); a controller that does not learn only tracks the statistics.
   *
   * @throws IllegalArgumentException if the batch is empty or holds another space's children
   */
  UpdateResult update(List<Reward> batch);

  /** Number of updates made so far. */
  long policyVersion();

  /** Current moving-average baseline; NaN before the first update. */
  double baseline();

  /** Everything needed to continue exactly where this controller is, for checkpoints. */
  ControllerState snapshot();
}
