package dev.enas.space;

/**
 * One step of the controller's sampling program for a search space. A space describes itself as a
 * sequence of decisions; the controller runs one LSTM step per decision and knows nothing else
 * about the space. Anchors are the LSTM outputs that later decisions attend over (earlier layers or
 * nodes); an attention decision looks at the most recent {@code candidates} anchors.
 */
public sealed interface Decision {

  /** How many integers this decision contributes to an architecture's flat decision vector. */
  int width();

  /** Pick one operation from the space's operation table; contributes one value in 0..ops-1. */
  record Op() implements Decision {
    @Override
    public int width() {
      return 1;
    }
  }

  /**
   * Pick one of the most recent {@code candidates} anchors as an input (micro and RNN spaces);
   * contributes one value in 0..candidates-1, where 0 is the oldest of those anchors.
   */
  record Input(int candidates) implements Decision {
    public Input {
      if (candidates < 1) {
        throw new IllegalArgumentException("candidates must be at least 1, was " + candidates);
      }
    }

    @Override
    public int width() {
      return 1;
    }
  }

  /**
   * Sample an independent skip bit for each of the most recent {@code previous} anchors by
   * attention (macro space), then record this step's output as a new anchor. Contributes {@code
   * previous} values, each 0 or 1; {@code previous} may be 0 (the first layer).
   */
  record Skips(int previous) implements Decision {
    public Skips {
      if (previous < 0) {
        throw new IllegalArgumentException("previous must be at least 0, was " + previous);
      }
    }

    @Override
    public int width() {
      return previous;
    }
  }

  /** An LSTM step that samples nothing and records its output as a new anchor (a node's end). */
  record Anchor() implements Decision {
    @Override
    public int width() {
      return 0;
    }
  }
}
