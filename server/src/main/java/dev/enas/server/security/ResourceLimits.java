package dev.enas.server.security;

import com.typesafe.config.Config;
import dev.enas.train.ResourceEstimate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Budgets a search's {@link ResourceEstimate} must fit before the search is admitted, so that a
 * spec asking for more than the machine has is refused at once rather than failing (or pushing the
 * box into swap) in the middle of an allocation. Zero means no limit.
 *
 * @param memoryBytes weights, optimizer state, gradients and activations at the search's peak
 * @param parameters trainable weights of the shared network
 * @param multiplyAddsPerStep work of one shared-weight training step of the most expensive child
 * @param runningPerOwner searches one token's owner may have running at once (searches created
 *     without a token are bounded only by {@code enas.max-concurrent-searches})
 */
public record ResourceLimits(
    long memoryBytes, long parameters, long multiplyAddsPerStep, int runningPerOwner) {

  public ResourceLimits {
    if (memoryBytes < 0 || parameters < 0 || multiplyAddsPerStep < 0 || runningPerOwner < 0) {
      throw new IllegalArgumentException("enas.limits.* must not be negative");
    }
  }

  /** Budgets without a per-owner bound. */
  public ResourceLimits(long memoryBytes, long parameters, long multiplyAddsPerStep) {
    this(memoryBytes, parameters, multiplyAddsPerStep, 0);
  }

  /** No budget at all. */
  public static ResourceLimits none() {
    return new ResourceLimits(0, 0, 0);
  }

  /**
   * The shipped defaults (application.conf): 16 GiB, 500 million weights, 5e12 per step, 2 running
   * searches per owner.
   */
  public static ResourceLimits defaults() {
    return new ResourceLimits(16L << 30, 500_000_000L, 5_000_000_000_000L, 2);
  }

  /**
   * Reads {@code enas.limits.memory}, {@code .parameters}, {@code .work-per-step} and {@code
   * .running-searches-per-owner}.
   */
  public static ResourceLimits fromConfig(Config enas) {
    return new ResourceLimits(
        enas.getBytes("limits.memory"),
        enas.getLong("limits.parameters"),
        enas.getLong("limits.work-per-step"),
        enas.getInt("limits.running-searches-per-owner"));
  }

  /** What the estimate exceeds, each naming the budget and the estimate; empty when it fits. */
  public List<String> exceeded(ResourceEstimate estimate) {
    List<String> out = new ArrayList<>();
    if (memoryBytes > 0 && estimate.memoryBytes() > memoryBytes) {
      out.add(
          String.format(
              Locale.ROOT,
              "needs an estimated %s of memory, over the budget"
                  + " enas.limits.memory = %s (search %s, retraining %s)",
              gib(estimate.memoryBytes()),
              gib(memoryBytes),
              gib(estimate.searchMemoryBytes()),
              gib(estimate.retrainMemoryBytes())));
    }
    if (parameters > 0 && estimate.parameters() > parameters) {
      out.add(
          String.format(
              Locale.ROOT,
              "has %,d shared weights, over the budget" + " enas.limits.parameters = %,d",
              estimate.parameters(),
              parameters));
    }
    if (multiplyAddsPerStep > 0 && estimate.multiplyAddsPerStep() > multiplyAddsPerStep) {
      out.add(
          String.format(
              Locale.ROOT,
              "needs an estimated %.3g multiply-adds per training step,"
                  + " over the budget enas.limits.work-per-step = %.3g",
              (double) estimate.multiplyAddsPerStep(),
              (double) multiplyAddsPerStep));
    }
    return out;
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
