package dev.enas.train;

import dev.enas.data.BatchIterator;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;

/**
 * Rewards from the validation split: a child's reward on the next validation minibatch (the
 * paper's reward: accuracy for the convolutional spaces, 80 / perplexity for the recurrent one),
 * or on one fixed minibatch when children must be compared on equal footing (derivation). Never
 * trains anything.
 *
 * <p>Owns its batch source (closed by {@link #close()}).
 */
public final class RewardEvaluator implements AutoCloseable {
  private final BatchSource batches;
  private final MiniBatch fixed;

  public RewardEvaluator(SearchData data, SearchSpec spec) {
    if (data.isText()) {
      this.fixed = TextBatches.fixedValidation(data, spec);
      this.batches = TextBatches.validation(data, spec);
      return;
    }
    int batchSize = Math.min(spec.child().batchSize(), data.validation().size());
    try (BatchIterator first = BatchIterator.builder(data.validation(), batchSize,
        data.normalization()).shuffle(false).prefetch(1).build()) {
      this.fixed = first.next();
    }
    this.batches = BatchSource.of(
        BatchIterator.builder(data.validation(), batchSize, data.normalization())
            .seed(spec.seed() + 1)
            .endless()
            .shuffle(true)
            .dropLast(true)
            .build());
  }

  /** The next validation minibatch, in the order rewards consume them. */
  public MiniBatch nextBatch() {
    return batches.next();
  }

  /** The validation minibatch derivation scores every candidate on. */
  public MiniBatch fixedBatch() {
    return fixed;
  }

  /** The child's reward on the next validation minibatch. */
  public double reward(SharedModel model, Architecture child) {
    return model.reward(child, nextBatch());
  }

  /** The child's reward on the same validation minibatch every time, from a clean state. */
  public double rewardOnFixedBatch(SharedModel model, Architecture child) {
    return model.fixedReward(child, fixed);
  }

  @Override
  public void close() {
    batches.close();
  }
}
