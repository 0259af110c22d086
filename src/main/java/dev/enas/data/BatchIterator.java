package dev.enas.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Minibatches of a dataset for a number of epochs or without end, prepared on a background daemon
 * thread a few batches ahead, so that shuffling, normalising and augmenting overlap with training
 * on the current batch. Close it when done: that stops the thread.
 *
 * <p>The sequence of batches depends only on the seed and the settings: each epoch gets its own
 * generator split from the seed, used on the producer thread alone. Order and augmentation draw
 * from separate generators, so switching augmentation on or off leaves the example order unchanged.
 *
 * <p>One thread consumes; {@link #close()} may be called from any thread. A failure while preparing
 * a batch is rethrown by {@link #next()} as an {@link IllegalStateException} whose cause is the
 * original.
 */
public final class BatchIterator implements Iterator<Batch>, AutoCloseable {

  /**
   * How many prepared batches may wait: enough to hide preparation time, little enough to bound
   * memory.
   */
  public static final int DEFAULT_PREFETCH = 2;

  private static final long JOIN_MILLIS = 10_000;
  private static final long POLL_MILLIS = 100;
  private static final Item END = new Item(null, null);

  private final ImageDataset data;
  private final int batchSize;
  private final Normalization normalization;
  private final ImageTransform transform;
  private final long seed;
  private final long epochs;
  private final boolean shuffle;
  private final boolean dropLast;
  private final long start;
  private final BlockingQueue<Item> queue;
  private final Thread producer;
  private volatile boolean closed;
  private Item pending;
  private long position;

  private record Item(Batch batch, Throwable failure) {}

  private BatchIterator(Builder builder) {
    this.data = builder.data;
    this.batchSize = builder.batchSize;
    this.normalization = builder.normalization;
    this.transform = builder.transform;
    this.seed = builder.seed;
    this.epochs = builder.epochs;
    this.shuffle = builder.shuffle;
    this.dropLast = builder.dropLast;
    this.start = builder.start;
    this.position = builder.start;
    this.queue = new ArrayBlockingQueue<>(builder.prefetch);
    this.producer = new Thread(this::produce, "enas-batches-" + data.name());
    this.producer.setDaemon(true);
  }

  /**
   * Starts configuring an iterator. The normalisation is required rather than computed here,
   * because it must come from the train split even when iterating validation or test data.
   */
  public static Builder builder(ImageDataset data, int batchSize, Normalization normalization) {
    return new Builder(data, batchSize, normalization);
  }

  /** Batches in one pass over the data: the last, smaller batch counts unless dropped. */
  public int batchesPerEpoch() {
    return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
  }

  /**
   * Batches of the whole sequence before the next one: those this iterator delivered, plus the ones
   * it started after ({@link Builder#startAt}). An iterator built alike and started at this
   * position continues with the same batches.
   */
  public long position() {
    return position;
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    if (pending == null) {
      pending = take();
    }
    return pending != END;
  }

  /**
   * The next batch, waiting for the producer if it has not finished one yet.
   *
   * @throws IllegalStateException if preparing the batch failed (the cause says why), if the
   *     iterator is closed, or if the calling thread was interrupted while waiting
   */
  @Override
  public Batch next() {
    if (closed) {
      throw new IllegalStateException("batch iterator over " + data.name() + " is closed");
    }
    if (!hasNext()) {
      throw new NoSuchElementException(
          "all " + epochs + " epochs of " + data.name() + " delivered");
    }
    Item item = pending;
    if (item.failure != null) {
      // Left pending, so every later call reports the same failure instead of pretending the data
      // ended.
      throw new IllegalStateException(
          "preparing a batch of " + data.name() + " failed: " + item.failure, item.failure);
    }
    pending = null;
    position++;
    return item.batch;
  }

  /** Stops the producer thread and waits for it to end; prepared batches are dropped. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    producer.interrupt();
    queue.clear();
    try {
      producer.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the producer thread still runs; false once the work is done or the iterator is closed.
   */
  public boolean isProducing() {
    return producer.isAlive();
  }

  private Item take() {
    try {
      while (true) {
        Item item = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (item != null) {
          return item;
        }
        if (closed) {
          throw new IllegalStateException("batch iterator over " + data.name() + " is closed");
        }
        // Guards against a producer that died without even reporting its failure, e.g. out of
        // memory.
        if (!producer.isAlive()) {
          item = queue.poll();
          return item != null
              ? item
              : new Item(null, new IllegalStateException("batch producer ended without a result"));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch of " + data.name(), e);
    }
  }

  private void produce() {
    try {
      SplittableRandom root = new SplittableRandom(seed);
      int n = data.size();
      int[] order = new int[n];
      int perEpoch = batchesPerEpoch();
      for (long epoch = 0; epochs == Builder.ENDLESS || epoch < epochs; epoch++) {
        long first = epoch * perEpoch;
        if (first + perEpoch <= start) {
          // A whole epoch before the start: its generator is split off, as if it had been served.
          root.split();
          continue;
        }
        SplittableRandom epochRandom = root.split();
        SplittableRandom orderRandom = epochRandom.split();
        SplittableRandom augmentRandom = epochRandom.split();
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        if (shuffle) {
          for (int i = n - 1; i > 0; i--) {
            int j = orderRandom.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
          }
        }
        for (int b = 0; b < perEpoch; b++) {
          if (closed) {
            return;
          }
          int from = b * batchSize;
          Batch batch = build(order, from, Math.min(batchSize, n - from), augmentRandom);
          // Batches before the start are built all the same, for their augmentation draws.
          if (first + b >= start) {
            queue.put(new Item(batch, null));
          }
        }
      }
      queue.put(END);
    } catch (InterruptedException e) {
      // Only close() interrupts this thread: stop quietly.
    } catch (Throwable failure) {
      try {
        queue.put(new Item(null, failure));
      } catch (InterruptedException e) {
        // Closed while reporting: nobody is left to tell.
      }
    }
  }

  private Batch build(int[] order, int start, int size, SplittableRandom random) {
    int imageSize = data.imageSize();
    float[] images = new float[size * imageSize];
    int[] labels = new int[size];
    for (int k = 0; k < size; k++) {
      int index = order[start + k];
      normalization.apply(data, index, images, k * imageSize);
      if (transform != null) {
        transform.apply(
            images, k * imageSize, data.channels(), data.height(), data.width(), random);
      }
      labels[k] = data.label(index);
    }
    return new Batch(images, labels, size, data.channels(), data.height(), data.width());
  }

  /** Settings of a {@link BatchIterator}; {@link #build()} starts the producer thread. */
  public static final class Builder {

    private static final long ENDLESS = -1;

    private final ImageDataset data;
    private final int batchSize;
    private final Normalization normalization;
    private ImageTransform transform;
    private long seed;
    private long epochs = 1;
    private boolean shuffle = true;
    private boolean dropLast;
    private int prefetch = DEFAULT_PREFETCH;
    private long start;

    private Builder(ImageDataset data, int batchSize, Normalization normalization) {
      this.data = Objects.requireNonNull(data, "data");
      this.normalization = Objects.requireNonNull(normalization, "normalization");
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      if (data.size() == 0) {
        throw new IllegalArgumentException("cannot iterate the empty dataset " + data.name());
      }
      if (normalization.channels() != data.channels()) {
        throw new IllegalArgumentException(
            "normalization has "
                + normalization.channels()
                + " channels, "
                + data.name()
                + " has "
                + data.channels());
      }
      this.batchSize = batchSize;
    }

    /** Seed of the shuffle and the augmentation; default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Number of passes over the data, at least 1; default 1. */
    public Builder epochs(long epochs) {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    /**
     * Passes over the data without end, as the shared-weight training of a search consumes them.
     */
    public Builder endless() {
      this.epochs = ENDLESS;
      return this;
    }

    /** Shuffle every epoch (default) or keep the dataset order, e.g. for evaluation. */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Drop the last batch of an epoch when it is smaller than the batch size; default false. */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Transform applied to each normalised image; null or {@link Augmentation#none()} for none. */
    public Builder augmentation(ImageTransform transform) {
      this.transform = Augmentation.none().equals(transform) ? null : transform;
      return this;
    }

    /**
     * How many batches the producer may prepare ahead, at least 1; default {@value
     * BatchIterator#DEFAULT_PREFETCH}.
     */
    public Builder prefetch(int depth) {
      if (depth < 1) {
        throw new IllegalArgumentException("prefetch must be >= 1, got " + depth);
      }
      this.prefetch = depth;
      return this;
    }

    /**
     * Starts after the first {@code batches} batches of the sequence these settings give, so that a
     * resumed search reads on where it stopped (see {@link BatchIterator#position()}); default 0.
     */
    public Builder startAt(long batches) {
      if (batches < 0) {
        throw new IllegalArgumentException("start must be >= 0, got " + batches);
      }
      this.start = batches;
      return this;
    }

    /** Creates the iterator and starts its producer thread. */
    public BatchIterator build() {
      if (dropLast && data.size() < batchSize) {
        throw new IllegalArgumentException(
            "batchSize "
                + batchSize
                + " exceeds the "
                + data.size()
                + " images of "
                + data.name()
                + ", so dropLast would leave no batch at all");
      }
      BatchIterator iterator = new BatchIterator(this);
      iterator.producer.start();
      return iterator;
    }
  }
}
