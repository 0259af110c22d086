package dev.enas.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small generated datasets for tests and benchmarks: balanced classes, each marked by a bright
 * horizontal band at its own height over uniform noise, so a network can learn them in a few steps
 * and a broken pipeline shows up as chance accuracy.
 */
public final class SyntheticImages {

  private SyntheticImages() {}

  /**
   * A dataset of {@code size} images whose label is {@code index % numClasses}, so every class has
   * {@code size / numClasses} or one more images. The same arguments always give the same pixels.
   */
  public static ImageDataset create(
      String name, int size, int numClasses, int channels, int height, int width, long seed) {
    if (size < 0 || numClasses < 1) {
      throw new IllegalArgumentException(
          "size must be >= 0 and numClasses >= 1, got " + size + " and " + numClasses);
    }
    int plane = height * width;
    byte[] pixels = new byte[Math.multiplyExact(size, channels * plane)];
    int[] labels = new int[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      int label = i % numClasses;
      labels[i] = label;
      int bandStart = (int) ((long) label * height / numClasses);
      int bandEnd = Math.max(bandStart + 1, (int) ((long) (label + 1) * height / numClasses));
      for (int c = 0; c < channels; c++) {
        int base = (i * channels + c) * plane;
        for (int row = 0; row < height; row++) {
          boolean band = row >= bandStart && row < bandEnd;
          for (int column = 0; column < width; column++) {
            int value = band ? 160 + random.nextInt(96) : random.nextInt(64);
            pixels[base + row * width + column] = (byte) value;
          }
        }
      }
    }
    return new ImageDataset(name, pixels, labels, channels, height, width, classNames(numClasses));
  }

  /** Shaped like Fashion-MNIST: 1 x 28 x 28, 10 classes. */
  public static ImageDataset greyscale28(int size, long seed) {
    return create("synthetic-28x28x1", size, 10, 1, 28, 28, seed);
  }

  /** Shaped like CIFAR-10: 3 x 32 x 32, 10 classes. */
  public static ImageDataset colour32(int size, long seed) {
    return create("synthetic-32x32x3", size, 10, 3, 32, 32, seed);
  }

  private static List<String> classNames(int numClasses) {
    List<String> names = new ArrayList<>(numClasses);
    for (int k = 0; k < numClasses; k++) {
      names.add("class-" + k);
    }
    return names;
  }
}
