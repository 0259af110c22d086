package dev.enas.data;

import java.util.Objects;

/**
 * One minibatch ready for a network: normalised, augmented images in N x C x H x W order and their
 * labels. A batch is handed to exactly one consumer, which owns the arrays; they are not copied,
 * because the trainer copies them into a tensor at once and a second copy per step would be pure
 * waste.
 *
 * @param images {@code size * channels * height * width} values
 * @param labels {@code size} class indices
 * @param size number of examples, at least 1
 */
public record Batch(float[] images, int[] labels, int size, int channels, int height, int width)
    implements MiniBatch {

  /** Checks that the arrays match the stated shape. */
  public Batch {
    Objects.requireNonNull(images, "images");
    Objects.requireNonNull(labels, "labels");
    if (size < 1 || channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "size, channels, height and width must be positive, got "
              + size
              + ", "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    if (labels.length != size) {
      throw new IllegalArgumentException(
          "labels must hold " + size + " values, got " + labels.length);
    }
    if (images.length != (long) size * channels * height * width) {
      throw new IllegalArgumentException(
          "images must hold "
              + size
              + " x "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " values, got "
              + images.length);
    }
  }

  /** Values per image: {@code channels * height * width}. */
  public int imageSize() {
    return channels * height * width;
  }
}
