package dev.enas.data;

import java.util.random.RandomGenerator;

/**
 * An in-place change to one normalised image, applied by {@link BatchIterator} while it prepares a
 * batch. {@link Augmentation} is the usual one; the interface lets a caller plug in others.
 */
@FunctionalInterface
public interface ImageTransform {

  /**
   * Transforms the image stored in {@code images} from {@code offset} on, in C x H x W order. All
   * randomness must come from {@code random}, so that a seed reproduces the batches.
   */
  void apply(
      float[] images, int offset, int channels, int height, int width, RandomGenerator random);
}
