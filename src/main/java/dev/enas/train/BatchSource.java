package dev.enas.train;

import dev.enas.data.BatchIterator;
import dev.enas.data.MiniBatch;

/**
 * An endless supply of minibatches of one split, whatever the task: image batches from a {@link
 * BatchIterator}, or consecutive text windows. Owns what it reads from; {@link #close()} frees it.
 */
interface BatchSource extends AutoCloseable {

  /** The next minibatch. */
  MiniBatch next();

  /** Minibatches in one pass over the split. */
  int perPass();

  /** Minibatches of the sequence before the next one; a source started there continues alike. */
  long position();

  @Override
  void close();

  static BatchSource of(BatchIterator iterator) {
    return new BatchSource() {
      @Override
      public MiniBatch next() {
        return iterator.next();
      }

      @Override
      public int perPass() {
        return iterator.batchesPerEpoch();
      }

      @Override
      public long position() {
        return iterator.position();
      }

      @Override
      public void close() {
        iterator.close();
      }
    };
  }
}
