package dev.enas.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel mean and standard deviation used to turn pixels into network inputs: {@code x =
 * (pixel / 255 - mean[c]) / std[c]}. Compute it on the train part only and apply the same values to
 * validation and test data, so no statistic leaks from held-out images.
 *
 * @param mean per channel, in the 0..1 pixel scale
 * @param std per channel, in the 0..1 pixel scale, positive
 */
public record Normalization(float[] mean, float[] std) {

  /** Checks the values and copies both arrays, so the record stays immutable. */
  public Normalization {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(std, "std");
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean and std must have one value per channel, got "
              + mean.length
              + " and "
              + std.length);
    }
    for (int c = 0; c < mean.length; c++) {
      if (!Float.isFinite(mean[c])) {
        throw new IllegalArgumentException("mean[" + c + "] must be finite, got " + mean[c]);
      }
      if (!(std[c] > 0) || !Float.isFinite(std[c])) {
        throw new IllegalArgumentException(
            "std[" + c + "] must be positive and finite, got " + std[c]);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** Mean 0 and std 1 for every channel: inputs are just pixels scaled to 0..1. */
  public static Normalization unit(int channels) {
    float[] mean = new float[channels];
    float[] std = new float[channels];
    Arrays.fill(std, 1f);
    return new Normalization(mean, std);
  }

  /**
   * The mean and population standard deviation of every channel over all pixels of {@code data}. A
   * channel with a single value throughout gets std 1: it carries no information, and dividing by
   * zero would only turn it into NaN.
   */
  public static Normalization compute(ImageDataset data) {
    if (data.size() == 0) {
      throw new IllegalArgumentException(
          "cannot compute a normalisation from the empty dataset " + data.name());
    }
    int channels = data.channels();
    int plane = data.height() * data.width();
    // Integer sums are exact: even 10^6 images of 32x32 keep the sum of squares far below 2^63.
    long[] sum = new long[channels];
    long[] sumOfSquares = new long[channels];
    byte[] pixels = data.pixelArray();
    for (int image = 0; image < data.size(); image++) {
      for (int c = 0; c < channels; c++) {
        int start = (image * channels + c) * plane;
        long s = 0;
        long s2 = 0;
        for (int i = start; i < start + plane; i++) {
          int p = pixels[i] & 0xff;
          s += p;
          s2 += p * p;
        }
        sum[c] += s;
        sumOfSquares[c] += s2;
      }
    }
    double count = (double) data.size() * plane;
    float[] mean = new float[channels];
    float[] std = new float[channels];
    for (int c = 0; c < channels; c++) {
      double m = sum[c] / count;
      double variance = Math.max(0, sumOfSquares[c] / count - m * m);
      mean[c] = (float) (m / 255);
      std[c] = variance > 0 ? (float) (Math.sqrt(variance) / 255) : 1f;
    }
    return new Normalization(mean, std);
  }

  public int channels() {
    return mean.length;
  }

  /** A copy of the per-channel means. */
  @Override
  public float[] mean() {
    return mean.clone();
  }

  /** A copy of the per-channel standard deviations. */
  @Override
  public float[] std() {
    return std.clone();
  }

  /**
   * Writes image {@code index} of {@code data}, normalised, into {@code out} from {@code offset}
   * on.
   */
  public void apply(ImageDataset data, int index, float[] out, int offset) {
    requireChannels(data);
    Objects.checkIndex(index, data.size());
    int plane = data.height() * data.width();
    int size = data.imageSize();
    Objects.checkFromIndexSize(offset, size, out.length);
    byte[] pixels = data.pixelArray();
    int source = index * size;
    for (int c = 0; c < mean.length; c++) {
      float scale = 1f / (255f * std[c]);
      float shift = mean[c] / std[c];
      int from = source + c * plane;
      int to = offset + c * plane;
      for (int i = 0; i < plane; i++) {
        out[to + i] = (pixels[from + i] & 0xff) * scale - shift;
      }
    }
  }

  /** The whole dataset normalised, N x C x H x W. */
  public float[] apply(ImageDataset data) {
    requireChannels(data);
    float[] out = new float[Math.multiplyExact(data.size(), data.imageSize())];
    for (int i = 0; i < data.size(); i++) {
      apply(data, i, out, i * data.imageSize());
    }
    return out;
  }

  private void requireChannels(ImageDataset data) {
    if (data.channels() != mean.length) {
      throw new IllegalArgumentException(
          "this normalisation has "
              + mean.length
              + " channels, "
              + data.name()
              + " has "
              + data.channels());
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Normalization n
        && Arrays.equals(mean, n.mean)
        && Arrays.equals(std, n.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
