package dev.enas.train;

import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewards from the validation split: a child's reward on the next validation minibatch (the paper's
 * reward: accuracy for the convolutional spaces, 80 / perplexity for the recurrent one), or on the
 * same first {@code derive.validationBatches} minibatches when children must be compared on equal
 * footing (derivation). Never trains anything.
 *
 * <p>Owns its batch source (closed by {@link #close()}).
 */
public final class RewardEvaluator implements AutoCloseable {
  private final BatchSource batches;
  private final List<MiniBatch> fixed;

  public RewardEvaluator(SearchData data, SearchSpec spec) {
    this(data, spec, 0);
  }

  /**
   * An evaluator whose rewards continue after the first {@code validationBatches} validation
   * minibatches, a {@link #position()} of one with this spec.
   */
  public RewardEvaluator(SearchData data, SearchSpec spec, long validationBatches) {
    int count = spec.derive().validationBatches();
    if (data.isText()) {
      this.fixed = TextBatches.fixedValidation(data, spec, count);
      this.batches = TextBatches.validation(data, spec, validationBatches);
      return;
    }
    int batchSize = Math.min(spec.child().batchSize(), data.validation().size());
    List<MiniBatch> first = new ArrayList<>();
    try (BatchIterator it =
        BatchIterator.builder(data.validation(), batchSize, data.normalization())
            .shuffle(false)
            .prefetch(1)
            .build()) {
      while (first.size() < count && it.hasNext()) {
        first.add(it.next());
      }
    }
    this.fixed = List.copyOf(first);
    this.batches =
        BatchSource.of(
            BatchIterator.builder(data.validation(), batchSize, data.normalization())
                .seed(spec.seed() + 1)
                .endless()
                .shuffle(true)
                .dropLast(true)
                .startAt(validationBatches)
                .build());
  }

  /** Validation minibatches the rewards have read so far (the fixed ones do not count). */
  public long position() {
    return batches.position();
  }

  /** The next validation minibatch, in the order rewards consume them. */
  public MiniBatch nextBatch() {
    return batches.next();
  }

  /** The validation minibatches derivation scores every candidate on, in order. */
  public List<MiniBatch> fixedBatches() {
    return fixed;
  }

  /** The child's reward on the next validation minibatch. */
  public double reward(SharedModel model, Architecture child) {
    return model.reward(child, nextBatch());
  }

  /**
   * The child's reward on the same validation minibatches every time, each from a clean state:
   * their mean, weighted by their sizes.
   */
  public double rewardOnFixedBatch(SharedModel model, Architecture child) {
    return meanFixedReward(model, child, fixed);
  }

  /**
   * The mean of a child's rewards on {@code batches}, each from a clean state; image batches weigh
   * by their image count (the last one may be smaller), text windows alike.
   */
  public static double meanFixedReward(
      SharedModel model, Architecture child, List<MiniBatch> batches) {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("no validation batch to score " + child.encode() + " on");
    }
    double sum = 0;
    long weight = 0;
    for (MiniBatch batch : batches) {
      int size = batch instanceof Batch b ? b.size() : 1;
      sum += model.fixedReward(child, batch) * size;
      weight += size;
    }
    return sum / weight;
  }

  @Override
  public void close() {
    batches.close();
  }
}
