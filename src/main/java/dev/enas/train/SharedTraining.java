package dev.enas.train;

import dev.enas.data.Batch;
import dev.enas.data.BatchIterator;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.CosineSchedule;
import dev.enas.supernet.StepResult;
import dev.enas.supernet.Supernet;

/**
 * Shared-weight training: one sampled child per minibatch of the training split, at the cosine
 * schedule's learning rate for the fraction of the epoch done. Keeps the next minibatches prepared
 * on another thread (the batch iterator's prefetch) while the current one trains.
 *
 * <p>Owns its batch iterator (closed by {@link #close()}); borrows the supernet.
 */
public final class SharedTraining implements AutoCloseable {
  private final Supernet supernet;
  private final BatchIterator batches;
  private final CosineSchedule schedule;
  private final int stepsPerEpoch;
  private long steps;
  private int nonFiniteInARow;

  /** What one step did, with the learning rate it used and the global step number. */
  public record Outcome(StepResult result, double learningRate, long step, int inARow) {}

  public SharedTraining(Supernet supernet, SearchData data, SearchSpec spec, CosineSchedule schedule) {
    this.supernet = supernet;
    this.schedule = schedule;
    this.batches = BatchIterator.builder(data.train(), spec.child().batchSize(), data.normalization())
        .seed(spec.seed())
        .endless()
        .shuffle(true)
        .dropLast(true)
        .augmentation(data.augmentation())
        .build();
    int perEpoch = spec.shared().stepsPerEpoch();
    this.stepsPerEpoch = perEpoch > 0 ? perEpoch : Math.max(1, batches.batchesPerEpoch());
  }

  /** Minibatches per search epoch. */
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** Trains {@code child} on the next minibatch; {@code stepInEpoch} places it on the schedule. */
  public Outcome step(Architecture child, int epoch, int stepInEpoch) {
    Batch batch = batches.next();
    double learningRate = schedule.at(epoch + (double) stepInEpoch / stepsPerEpoch);
    StepResult result = supernet.trainStep(child, batch.images(), batch.labels(), learningRate);
    nonFiniteInARow = result.applied() ? 0 : nonFiniteInARow + 1;
    return new Outcome(result, learningRate, steps++, nonFiniteInARow);
  }

  @Override
  public void close() {
    batches.close();
  }
}
