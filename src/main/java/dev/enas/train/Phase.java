package dev.enas.train;

/** The phases a search goes through, in order; the last three are terminal. */
public enum Phase {
  PENDING,
  SHARED_TRAINING,
  CONTROLLER_TRAINING,
  DERIVING,
  FINAL_TRAINING,
  EXPORTING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
