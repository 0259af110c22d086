package dev.enas.controller;

/**
 * The reward a sampled child earned (validation accuracy for CNNs, 80 / perplexity for RNNs),
 * before the controller adds its entropy bonus.
 */
public record Reward(Sample sample, double reward) {
  public Reward {
    if (!Double.isFinite(reward)) {
      throw new IllegalArgumentException("reward must be finite, was " + reward);
    }
  }
}
