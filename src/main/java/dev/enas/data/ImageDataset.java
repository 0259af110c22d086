package dev.enas.data;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable labelled image set held in memory as unsigned 8-bit pixels in N x C x H x W order.
 * Datasets are shared freely between threads; every accessor hands out a copy or a read-only view.
 */
public final class ImageDataset {

  private final String name;
  private final byte[] pixels;
  private final int[] labels;
  private final int channels;
  private final int height;
  private final int width;
  private final List<String> classNames;

  /**
   * Copies the arrays, so the caller may reuse them.
   *
   * @param pixels {@code labels.length * channels * height * width} bytes, read as unsigned
   * @param labels one class index per image, each in {@code 0..classNames.size()-1}
   * @param classNames the display name of every class; its size is the number of classes
   */
  public ImageDataset(
      String name,
      byte[] pixels,
      int[] labels,
      int channels,
      int height,
      int width,
      List<String> classNames) {
    this(name, pixels.clone(), labels.clone(), channels, height, width, classNames, true);
  }

  // The readers build arrays nobody else holds; copying tens of megabytes again would buy nothing.
  private ImageDataset(
      String name,
      byte[] pixels,
      int[] labels,
      int channels,
      int height,
      int width,
      List<String> classNames,
      boolean validate) {
    this.name = Objects.requireNonNull(name, "name");
    this.pixels = Objects.requireNonNull(pixels, "pixels");
    this.labels = Objects.requireNonNull(labels, "labels");
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.classNames = List.copyOf(classNames);
    if (validate) {
      validate();
    }
  }

  static ImageDataset wrap(
      String name,
      byte[] pixels,
      int[] labels,
      int channels,
      int height,
      int width,
      List<String> classNames) {
    return new ImageDataset(name, pixels, labels, channels, height, width, classNames, true);
  }

  private void validate() {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "channels, height and width must be positive, got "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    if ((long) channels * height * width > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "an image of " + channels + "x" + height + "x" + width + " does not fit in one array");
    }
    if (classNames.isEmpty()) {
      throw new IllegalArgumentException("classNames must name at least one class");
    }
    long expected = (long) labels.length * imageSize();
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          "pixels must hold "
              + labels.length
              + " images of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " = "
              + expected
              + " bytes, got "
              + pixels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classNames.size()) {
        throw new IllegalArgumentException(
            "label of image "
                + i
                + " is "
                + labels[i]
                + ", expected 0.."
                + (classNames.size() - 1));
      }
    }
  }

  public String name() {
    return name;
  }

  /** Number of images. */
  public int size() {
    return labels.length;
  }

  public int numClasses() {
    return classNames.size();
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  /** Values per image: {@code channels * height * width}. */
  public int imageSize() {
    return channels * height * width;
  }

  public List<String> classNames() {
    return classNames;
  }

  /** A copy of all pixels in N x C x H x W order. */
  public byte[] pixels() {
    return pixels.clone();
  }

  /** All pixels as a read-only buffer, for callers that only read and want to avoid the copy. */
  public ByteBuffer pixelBuffer() {
    return ByteBuffer.wrap(pixels).asReadOnlyBuffer();
  }

  /** A copy of the labels. */
  public int[] labels() {
    return labels.clone();
  }

  public int label(int index) {
    Objects.checkIndex(index, labels.length);
    return labels[index];
  }

  /** The pixel of image {@code index} at channel, row, column, as a value in 0..255. */
  public int pixel(int index, int channel, int row, int column) {
    Objects.checkIndex(index, labels.length);
    Objects.checkIndex(channel, channels);
    Objects.checkIndex(row, height);
    Objects.checkIndex(column, width);
    return pixels[((index * channels + channel) * height + row) * width + column] & 0xff;
  }

  /** A copy of one image's pixels in C x H x W order. */
  public byte[] image(int index) {
    Objects.checkIndex(index, labels.length);
    int size = imageSize();
    return Arrays.copyOfRange(pixels, index * size, (index + 1) * size);
  }

  /** How many images each class has, indexed by class. */
  public int[] classCounts() {
    int[] counts = new int[numClasses()];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  /**
   * The images at {@code indices}, in that order; an index may repeat. Keeps this dataset's name.
   */
  public ImageDataset subset(int[] indices) {
    return subset(indices, name);
  }

  /** The images at {@code indices}, in that order, under a new name. */
  public ImageDataset subset(int[] indices, String subsetName) {
    int size = imageSize();
    byte[] subPixels = new byte[Math.multiplyExact(indices.length, size)];
    int[] subLabels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      int index = indices[i];
      if (index < 0 || index >= labels.length) {
        throw new IndexOutOfBoundsException(
            "indices[" + i + "] is " + index + ", expected 0.." + (labels.length - 1));
      }
      System.arraycopy(pixels, index * size, subPixels, i * size, size);
      subLabels[i] = labels[index];
    }
    return new ImageDataset(
        subsetName, subPixels, subLabels, channels, height, width, classNames, false);
  }

  /** The same images under another name; shares the pixel memory since both are immutable. */
  public ImageDataset withName(String newName) {
    return new ImageDataset(newName, pixels, labels, channels, height, width, classNames, false);
  }

  // Package-private and unguarded: the batch and normalisation code read every pixel once per
  // epoch,
  // and a defensive copy per read would dominate their cost. Callers must never write to it.
  byte[] pixelArray() {
    return pixels;
  }

  int[] labelArray() {
    return labels;
  }

  @Override
  public String toString() {
    return "ImageDataset["
        + name
        + ", "
        + size()
        + " images of "
        + channels
        + "x"
        + height
        + "x"
        + width
        + ", "
        + numClasses()
        + " classes]";
  }
}
