package dev.enas.supernet;

/**
 * Which statistics batch normalization uses in a forward pass, and whether it updates the running
 * ones. Only {@link #TRAIN} changes anything stored.
 */
public enum BatchNormMode {
  /** Batch statistics; the running statistics of the layers that run are updated. */
  TRAIN,
  /** Batch statistics; nothing stored changes (ENAS reward evaluation). */
  BATCH,
  /** Running statistics (inference of a trained standalone network). */
  RUNNING
}
