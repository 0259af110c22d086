package dev.enas.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The standard training augmentations for small image sets, applied to one normalised C x H x W
 * image: random crop after zero padding, horizontal flip with probability one half, and cutout
 * (DeVries and Taylor 2017). Zero or false switches a step off.
 *
 * <p>Padding and cutout write zeros into the normalised image, i.e. the channel mean, which is what
 * the ENAS reference code does by padding after normalisation.
 *
 * @param padding zeros added on every side before cropping back to the original size; 0 = no crop
 * @param horizontalFlip mirror left-right with probability 0.5
 * @param cutout side of the square set to zero at a random centre; 0 = no cutout
 */
public record Augmentation(int padding, boolean horizontalFlip, int cutout)
    implements ImageTransform {

  /** Rejects negative sizes, which have no meaning as a padding or a square side. */
  public Augmentation {
    if (padding < 0) {
      throw new IllegalArgumentException("padding must be >= 0, got " + padding);
    }
    if (cutout < 0) {
      throw new IllegalArgumentException("cutout must be >= 0, got " + cutout);
    }
  }

  /** No augmentation: for validation, test and derive scoring. */
  public static Augmentation none() {
    return new Augmentation(0, false, 0);
  }

  /**
   * Fashion-MNIST training: shifts of up to 2 pixels. No flip, because its shoes all point the same
   * way and a mirrored shoe is not something the test set contains.
   */
  public static Augmentation fashionMnist() {
    return new Augmentation(2, false, 0);
  }

  /** CIFAR-10 during the search, as in ENAS: pad 4 and crop, flip. */
  public static Augmentation cifar10Search() {
    return new Augmentation(4, true, 0);
  }

  /**
   * CIFAR-10 when retraining the derived network from scratch: the search setting plus 16x16
   * cutout.
   */
  public static Augmentation cifar10Retrain() {
    return new Augmentation(4, true, 16);
  }

  /**
   * Applies the enabled steps in the order crop, flip, cutout. Draws from {@code random} in that
   * order: crop row offset, crop column offset, flip coin, cutout centre row, cutout centre column,
   * and only for the steps that are on.
   */
  @Override
  public void apply(
      float[] images, int offset, int channels, int height, int width, RandomGenerator random) {
    checkImage(images, offset, channels, height, width);
    if (padding > 0) {
      // Cropping the padded image at (top, left) in 0..2*padding moves the content by padding -
      // top.
      int top = random.nextInt(2 * padding + 1);
      int left = random.nextInt(2 * padding + 1);
      translate(images, offset, channels, height, width, padding - top, padding - left);
    }
    if (horizontalFlip && random.nextBoolean()) {
      flipHorizontal(images, offset, channels, height, width);
    }
    if (cutout > 0) {
      int centreRow = random.nextInt(height);
      int centreColumn = random.nextInt(width);
      cutout(images, offset, channels, height, width, centreRow, centreColumn, cutout);
    }
  }

  /**
   * Moves the image content {@code down} rows down and {@code right} columns right (negative values
   * move up or left), filling the uncovered border with zeros: a crop of the zero-padded image.
   */
  public static void translate(
      float[] images, int offset, int channels, int height, int width, int down, int right) {
    checkImage(images, offset, channels, height, width);
    int plane = height * width;
    if (Math.abs(down) >= height || Math.abs(right) >= width) {
      Arrays.fill(images, offset, offset + channels * plane, 0f);
      return;
    }
    int kept = width - Math.abs(right);
    int fromColumn = Math.max(0, -right);
    int toColumn = Math.max(0, right);
    for (int c = 0; c < channels; c++) {
      int base = offset + c * plane;
      // Walk rows away from the direction of travel, so no source row is overwritten before it is
      // read;
      // System.arraycopy already copies overlapping ranges within a row correctly.
      for (int step = 0; step < height; step++) {
        int row = down > 0 ? height - 1 - step : step;
        int target = base + row * width;
        int sourceRow = row - down;
        if (sourceRow < 0 || sourceRow >= height) {
          Arrays.fill(images, target, target + width, 0f);
          continue;
        }
        System.arraycopy(
            images, base + sourceRow * width + fromColumn, images, target + toColumn, kept);
        if (right > 0) {
          Arrays.fill(images, target, target + right, 0f);
        } else if (right < 0) {
          Arrays.fill(images, target + kept, target + width, 0f);
        }
      }
    }
  }

  /** Mirrors the image left to right. */
  public static void flipHorizontal(
      float[] images, int offset, int channels, int height, int width) {
    checkImage(images, offset, channels, height, width);
    for (int row = 0; row < channels * height; row++) {
      int left = offset + row * width;
      int right = left + width - 1;
      while (left < right) {
        float swap = images[left];
        images[left++] = images[right];
        images[right--] = swap;
      }
    }
  }

  /**
   * Sets to zero, in every channel, the {@code size} x {@code size} square whose top-left corner is
   * {@code (centreRow - size/2, centreColumn - size/2)}, clipped at the image border. The centre
   * may lie anywhere in the image, so near the edges only part of the square is cut, as in the
   * original cutout.
   */
  public static void cutout(
      float[] images,
      int offset,
      int channels,
      int height,
      int width,
      int centreRow,
      int centreColumn,
      int size) {
    checkImage(images, offset, channels, height, width);
    int top = Math.max(0, centreRow - size / 2);
    int bottom = Math.min(height, centreRow - size / 2 + size);
    int left = Math.max(0, centreColumn - size / 2);
    int right = Math.min(width, centreColumn - size / 2 + size);
    if (top >= bottom || left >= right) {
      return;
    }
    for (int c = 0; c < channels; c++) {
      for (int row = top; row < bottom; row++) {
        int start = offset + (c * height + row) * width;
        Arrays.fill(images, start + left, start + right, 0f);
      }
    }
  }

  private static void checkImage(float[] images, int offset, int channels, int height, int width) {
    Objects.requireNonNull(images, "images");
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "channels, height and width must be positive, got "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    Objects.checkFromIndexSize(offset, channels * height * width, images.length);
  }
}
