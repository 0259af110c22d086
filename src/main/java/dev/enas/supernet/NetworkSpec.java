package dev.enas.supernet;

/**
 * Depth, width and data shape of a network, set apart from its architecture so a derived child can
 * be retrained deeper (micro) or wider than it was searched.
 *
 * <p>{@code depth} is the number of layers for the macro space (it must match the space or
 * architecture) and the number of normal cells per stage for the micro space, which arranges {@code
 * depth} normal cells, a reduction cell, {@code depth} normal cells, a reduction cell and {@code
 * depth} normal cells. {@code channels} is the width of the first stage; with {@code
 * widenAtReductions} each reduction doubles it (the released ENAS code searches macro at a constant
 * width and micro widening, and widens both when retraining). {@code dropout} is the rate before
 * the classifier, applied only in training passes.
 */
public record NetworkSpec(
    int depth,
    int channels,
    int classes,
    int inputChannels,
    int height,
    int width,
    float dropout,
    boolean widenAtReductions) {

  public NetworkSpec {
    positive(depth, "depth");
    positive(channels, "channels");
    positive(inputChannels, "inputChannels");
    positive(height, "height");
    positive(width, "width");
    if (channels % 2 != 0) {
      throw new IllegalArgumentException(
          "channels must be even (factorized reductions split them in two), was " + channels);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be at least 2, was " + classes);
    }
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), was " + dropout);
    }
  }

  /** Floats in one image: inputChannels x height x width. */
  public int imageSize() {
    return inputChannels * height * width;
  }

  /** Width of the given stage (0 before the first reduction). */
  public int channelsAt(int stage) {
    return widenAtReductions ? channels << stage : channels;
  }

  private static void positive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
  }
}
