package dev.enas.train;

/** The phases a search goes through, in order; the last three are terminal. */
public enum Phase {
  PENDING,
  SHARED_TRAINING,
  CONTROLLER_TRAINING,
  DERIVING,
  FINAL_TRAINING,
  EXPORTING,
  /** Retraining the space's plain child with the derived child's budget, when the spec asks. */
  BASELINE_TRAINING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
