package dev.enas.train;

import dev.enas.data.BatchIterator;
import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.CosineSchedule;
import dev.enas.supernet.StepResult;

/**
 * The schedule and the data of shared-weight training: one sampled child per minibatch of the
 * training split, at the cosine schedule's learning rate for the fraction of the epoch done. The
 * next minibatches are prepared on another thread (the batch iterator's prefetch) while the current
 * one trains. {@link #step} runs one step on a supernet; a scheduler that keeps the supernet
 * elsewhere uses {@link #nextBatch}, {@link #learningRate} and {@link #record} instead.
 *
 * <p>Owns its batch iterator (closed by {@link #close()}).
 */
public final class SharedTraining implements AutoCloseable {
  private final BatchSource batches;
  private final CosineSchedule schedule;
  private final int stepsPerEpoch;
  private long steps;
  private int nonFiniteInARow;

  /** What one step did, with the learning rate it used and the global step number. */
  public record Outcome(StepResult result, double learningRate, long step, int inARow) {}

  /**
   * Where shared training stands between two steps: minibatches read, steps counted, and the
   * current run of non-finite steps. A training built from it continues exactly.
   */
  public record Position(long batches, long steps, int nonFiniteInARow) {
    /** Before the first step. */
    public static final Position START = new Position(0, 0, 0);
  }

  public SharedTraining(SearchData data, SearchSpec spec) {
    this(data, spec, Position.START);
  }

  /** A training that continues from {@code at}, a {@link #position()} of one with this spec. */
  public SharedTraining(SearchData data, SearchSpec spec, Position at) {
    this.schedule = Schedules.of(spec.shared());
    this.batches =
        data.isText()
            ? TextBatches.training(data, spec, at.batches())
            : BatchSource.of(
                BatchIterator.builder(data.train(), spec.child().batchSize(), data.normalization())
                    .seed(spec.seed())
                    .endless()
                    .shuffle(true)
                    .dropLast(true)
                    .augmentation(data.augmentation())
                    .startAt(at.batches())
                    .build());
    this.steps = at.steps();
    this.nonFiniteInARow = at.nonFiniteInARow();
    int perEpoch = spec.shared().stepsPerEpoch();
    this.stepsPerEpoch = perEpoch > 0 ? perEpoch : Math.max(1, batches.perPass());
  }

  /**
   * Where this training stands; valid between steps. It counts the minibatches {@link #nextBatch}
   * handed out, so a scheduler that takes batches ahead of its steps must take its position where
   * none is outstanding.
   */
  public Position position() {
    return new Position(batches.position(), steps, nonFiniteInARow);
  }

  /** Minibatches per search epoch. */
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The next training minibatch (images normalised and augmented, or a text window). */
  public MiniBatch nextBatch() {
    return batches.next();
  }

  /** The learning rate of step {@code stepInEpoch} of epoch {@code epoch}. */
  public double learningRate(int epoch, int stepInEpoch) {
    return schedule.at(epoch + (double) stepInEpoch / stepsPerEpoch);
  }

  /** Counts a step's result: its global number and how many non-finite steps in a row. */
  public Outcome record(StepResult result, double learningRate) {
    nonFiniteInARow = result.applied() ? 0 : nonFiniteInARow + 1;
    return new Outcome(result, learningRate, steps++, nonFiniteInARow);
  }

  /** Trains {@code child} of the shared {@code model} on the next minibatch. */
  public Outcome step(SharedModel model, Architecture child, int epoch, int stepInEpoch) {
    MiniBatch batch = nextBatch();
    double learningRate = learningRate(epoch, stepInEpoch);
    return record(model.train(child, batch, learningRate), learningRate);
  }

  @Override
  public void close() {
    batches.close();
  }
}
