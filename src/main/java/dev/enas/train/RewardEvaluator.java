package dev.enas.train;

import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.Supernet;

/**
 * Rewards from the validation split: a child's accuracy on the next validation minibatch (the
 * paper's reward), or on one fixed minibatch when children must be compared on equal footing
 * (derivation). Never trains anything.
 *
 * <p>Owns its batch iterator (closed by {@link #close()}).
 */
public final class RewardEvaluator implements AutoCloseable {
  private final BatchIterator batches;
  private final Batch fixed;

  public RewardEvaluator(SearchData data, SearchSpec spec) {
    int batchSize = Math.min(spec.child().batchSize(), data.validation().size());
    try (BatchIterator first = BatchIterator.builder(data.validation(), batchSize,
        data.normalization()).shuffle(false).prefetch(1).build()) {
      this.fixed = first.next();
    }
    this.batches = BatchIterator.builder(data.validation(), batchSize, data.normalization())
        .seed(spec.seed() + 1)
        .endless()
        .shuffle(true)
        .dropLast(true)
        .build();
  }

  /** The next validation minibatch, in the order rewards consume them. */
  public Batch nextBatch() {
    return batches.next();
  }

  /** The validation minibatch derivation scores every candidate on. */
  public Batch fixedBatch() {
    return fixed;
  }

  /** The child's accuracy on the next validation minibatch. */
  public double reward(Supernet supernet, Architecture child) {
    Batch batch = nextBatch();
    return supernet.evaluate(child, batch.images(), batch.labels());
  }

  /** The child's accuracy on the same validation minibatch every time. */
  public double rewardOnFixedBatch(Supernet supernet, Architecture child) {
    return supernet.evaluate(child, fixed.images(), fixed.labels());
  }

  @Override
  public void close() {
    batches.close();
  }
}
