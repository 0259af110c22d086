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
 * <p>Owns its batch iterator (closed by {@link #close()}); borrows the supernet.
 */
public final class RewardEvaluator implements AutoCloseable {
  private final Supernet supernet;
  private final BatchIterator batches;
  private final Batch fixed;

  public RewardEvaluator(Supernet supernet, SearchData data, SearchSpec spec) {
    this.supernet = supernet;
    int batchSize = Math.min(spec.child().batchSize(), data.validation().size());
    this.batches = BatchIterator.builder(data.validation(), batchSize, data.normalization())
        .seed(spec.seed() + 1)
        .endless()
        .shuffle(true)
        .dropLast(true)
        .build();
    try (BatchIterator first = BatchIterator.builder(data.validation(), batchSize,
        data.normalization()).shuffle(false).prefetch(1).build()) {
      this.fixed = first.next();
    }
  }

  /** The child's accuracy on the next validation minibatch. */
  public double reward(Architecture child) {
    Batch batch = batches.next();
    return supernet.evaluate(child, batch.images(), batch.labels());
  }

  /** The child's accuracy on the same validation minibatch every time. */
  public double rewardOnFixedBatch(Architecture child) {
    return supernet.evaluate(child, fixed.images(), fixed.labels());
  }

  @Override
  public void close() {
    batches.close();
  }
}
