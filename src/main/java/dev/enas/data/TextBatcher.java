package dev.enas.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Language-model batches in the way of the Penn Treebank experiments (Zaremba et al. 2014, and ENAS
 * after them): the token stream is cut into {@code batchSize} contiguous streams of equal length,
 * the tokens that do not fill the last stream being dropped, and windows of {@code steps} tokens
 * are served from all streams in order. Row b of window k is the continuation of row b of window
 * k-1, so the hidden state a recurrent model ends a window with is the right start for the next
 * one.
 *
 * <p>Every window has exactly {@code steps} tokens per row: the tokens at the end of the streams
 * that do not fill a whole window (fewer than {@code steps}, plus the one that only serves as a
 * target) are left out of the pass. Fixed shapes keep the model from seeing a second input size,
 * and at most {@code batchSize * steps} tokens of a pass are lost. There is no shuffling: order is
 * the point.
 *
 * <p>One pass serves {@link #windowsPerPass()} windows; an endless batcher then starts again at the
 * first window, with {@link TokenBatch#startsPass()} true again. Not thread-safe; one consumer.
 */
public final class TextBatcher implements Iterator<TokenBatch> {

  private final int[] tokens;
  private final String name;
  private final int batchSize;
  private final int steps;
  private final boolean endless;
  private final int streamLength;
  private final int windowsPerPass;
  private int window;
  private long passesStarted;

  private TextBatcher(Builder builder) {
    this.tokens = builder.tokens;
    this.name = builder.name;
    this.batchSize = builder.batchSize;
    this.steps = builder.steps;
    this.endless = builder.endless;
    this.streamLength = tokens.length / batchSize;
    // The last input of a window needs its successor as target, hence the - 1.
    this.windowsPerPass = (streamLength - 1) / steps;
    long start = builder.start;
    if (start > 0) {
      if (!endless && start > windowsPerPass) {
        throw new IllegalArgumentException(
            "cannot start after window "
                + start
                + " of "
                + name
                + ", a single pass has "
                + windowsPerPass);
      }
      this.passesStarted = (start - 1) / windowsPerPass + 1;
      this.window = (int) ((start - 1) % windowsPerPass) + 1;
    }
  }

  /**
   * Starts configuring a batcher over a copy of {@code tokens}.
   *
   * @param name names the data in error messages, e.g. {@code ptb/train}
   */
  public static Builder builder(int[] tokens, String name, int batchSize, int steps) {
    Objects.requireNonNull(tokens, "tokens");
    return new Builder(tokens.clone(), name, batchSize, steps);
  }

  /**
   * Starts configuring a batcher over one part of a corpus; the corpus's array is read, not copied.
   */
  public static Builder builder(
      TextCorpus corpus, TextCorpus.Split split, int batchSize, int steps) {
    Objects.requireNonNull(corpus, "corpus");
    Objects.requireNonNull(split, "split");
    return new Builder(corpus.array(split), corpus.name() + "/" + split.label(), batchSize, steps);
  }

  /** Windows in one pass over the data. */
  public int windowsPerPass() {
    return windowsPerPass;
  }

  /**
   * Tokens in each of the {@code batchSize} streams; the last window may leave a few of them
   * unused.
   */
  public int streamLength() {
    return streamLength;
  }

  public int batchSize() {
    return batchSize;
  }

  public int steps() {
    return steps;
  }

  /** Whether the batcher starts over after the last window instead of ending. */
  public boolean isEndless() {
    return endless;
  }

  /** How many passes have begun, counting the current one: 0 before the first window is served. */
  public long passesStarted() {
    return passesStarted;
  }

  /**
   * Windows served so far, counting whole passes: a batcher built alike and started at this
   * position ({@link Builder#startAt}) serves the same windows from here on.
   */
  public long position() {
    return passesStarted == 0 ? 0 : (passesStarted - 1) * windowsPerPass + window;
  }

  @Override
  public boolean hasNext() {
    return endless || passesStarted == 0 || window < windowsPerPass;
  }

  /**
   * The next window.
   *
   * @throws NoSuchElementException after the last window of a single pass
   */
  @Override
  public TokenBatch next() {
    if (window == windowsPerPass || passesStarted == 0) {
      if (passesStarted > 0 && !endless) {
        throw new NoSuchElementException(
            "all " + windowsPerPass + " windows of " + name + " delivered");
      }
      window = 0;
      passesStarted++;
    }
    int[] inputs = new int[batchSize * steps];
    int[] targets = new int[batchSize * steps];
    int offset = window * steps;
    for (int b = 0; b < batchSize; b++) {
      int from = b * streamLength + offset;
      System.arraycopy(tokens, from, inputs, b * steps, steps);
      System.arraycopy(tokens, from + 1, targets, b * steps, steps);
    }
    boolean first = window == 0;
    window++;
    return new TokenBatch(inputs, targets, batchSize, steps, first);
  }

  /** Settings of a {@link TextBatcher}; {@link #build()} checks them. */
  public static final class Builder {

    private final int[] tokens;
    private final String name;
    private final int batchSize;
    private final int steps;
    private String batchSizeField = "batchSize";
    private String stepsField = "steps";
    private boolean endless;
    private long start;

    private Builder(int[] tokens, String name, int batchSize, int steps) {
      this.tokens = tokens;
      this.name = Objects.requireNonNull(name, "name");
      this.batchSize = batchSize;
      this.steps = steps;
    }

    /**
     * The settings the batch size and the sequence length came from, e.g. {@code child.batchSize}
     * and {@code child.bpttSteps}, so that an error points at the user's configuration. Defaults
     * are {@code batchSize} and {@code steps}.
     */
    public Builder fieldNames(String batchSizeField, String stepsField) {
      this.batchSizeField = Objects.requireNonNull(batchSizeField, "batchSizeField");
      this.stepsField = Objects.requireNonNull(stepsField, "stepsField");
      return this;
    }

    /**
     * Start over at the first window after the last, without end, as the search's training does.
     */
    public Builder endless() {
      this.endless = true;
      return this;
    }

    /** Starts after the first {@code windows} windows, as a resumed search reads on; default 0. */
    public Builder startAt(long windows) {
      if (windows < 0) {
        throw new IllegalArgumentException("start must be >= 0, got " + windows);
      }
      this.start = windows;
      return this;
    }

    /**
     * Checks the settings against the data and creates the batcher.
     *
     * @throws IllegalArgumentException if the batch size or the sequence length is below 1, or the
     *     data is too short for one window; the message names the field or the data
     */
    public TextBatcher build() {
      if (batchSize < 1) {
        throw new IllegalArgumentException(
            batchSizeField + " (the batch size) must be >= 1, got " + batchSize);
      }
      if (steps < 1) {
        throw new IllegalArgumentException(
            stepsField
                + " (the sequence length, in tokens per window)"
                + " must be >= 1, got "
                + steps);
      }
      long needed = ((long) steps + 1) * batchSize;
      if (tokens.length < needed) {
        throw new IllegalArgumentException(
            name
                + " has "
                + tokens.length
                + " tokens, too few for one"
                + " window of "
                + batchSizeField
                + " = "
                + batchSize
                + " rows of "
                + stepsField
                + " = "
                + steps
                + " tokens: that needs ("
                + stepsField
                + " + 1) x "
                + batchSizeField
                + " = "
                + needed
                + " tokens; lower "
                + batchSizeField
                + " or "
                + stepsField);
      }
      return new TextBatcher(this);
    }
  }
}
