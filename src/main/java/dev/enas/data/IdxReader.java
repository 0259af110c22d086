package dev.enas.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipException;

/**
 * Reads image sets in the IDX format of MNIST, Fashion-MNIST and their relatives: one file of 8-bit
 * grey images and one of labels, each plain or gzip-compressed. Anything that does not match the
 * format fails with a {@link DataFormatException} that names the file.
 */
public final class IdxReader {

  /** Unsigned bytes, three dimensions (count, rows, columns). */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Unsigned bytes, one dimension (count). */
  public static final int LABELS_MAGIC = 0x00000801;

  private IdxReader() {}

  /**
   * Reads an images file and its labels file; the dataset is named after the images file.
   *
   * @param classNames one name per class; labels must lie in {@code 0..classNames.size()-1}
   */
  public static ImageDataset read(Path images, Path labels, List<String> classNames)
      throws IOException {
    try (InputStream imageStream = DataFiles.open(images, "IDX images file");
        InputStream labelStream = DataFiles.open(labels, "IDX labels file")) {
      return read(imageStream, images.toString(), labelStream, labels.toString(), classNames)
          .withName(String.valueOf(images.getFileName()));
    }
  }

  /**
   * Reads from streams, for classpath resources and other sources without a path. The names appear
   * in error messages in place of file names; the dataset is named after {@code imagesName}. Both
   * streams are closed on return, which also frees the native inflater of a gzip stream at once.
   */
  public static ImageDataset read(
      InputStream images,
      String imagesName,
      InputStream labels,
      String labelsName,
      List<String> classNames)
      throws IOException {
    Objects.requireNonNull(classNames, "classNames");
    if (classNames.isEmpty()) {
      throw new IllegalArgumentException("classNames must name at least one class");
    }
    try (InputStream imageData = DataFiles.decompressed(images, imagesName);
        InputStream labelData = DataFiles.decompressed(labels, labelsName)) {
      return readDecompressed(imageData, imagesName, labelData, labelsName, classNames);
    }
  }

  /**
   * The header of an IDX images file, plain or gzip: {count, rows, columns}. Reads the 16 header
   * bytes only, so a caller can learn a data set's shape without loading it.
   */
  public static int[] imagesHeader(Path images) throws IOException {
    try (InputStream in = DataFiles.open(images, "IDX images file");
        InputStream data = DataFiles.decompressed(in, images.toString())) {
      return readHeader(data, images.toString(), IMAGES_MAGIC, "an images file", 3);
    }
  }

  private static ImageDataset readDecompressed(
      InputStream imageData,
      String imagesName,
      InputStream labelData,
      String labelsName,
      List<String> classNames)
      throws IOException {
    int[] imageHeader = readHeader(imageData, imagesName, IMAGES_MAGIC, "an images file", 3);
    int[] labelHeader = readHeader(labelData, labelsName, LABELS_MAGIC, "a labels file", 1);
    int count = imageHeader[0];
    int rows = imageHeader[1];
    int columns = imageHeader[2];
    if (labelHeader[0] != count) {
      throw new DataFormatException(
          labelsName
              + ": expected "
              + count
              + " labels, one per image in "
              + imagesName
              + ", found a header promising "
              + labelHeader[0]);
    }
    long pixelCount = (long) count * rows * columns;
    if (pixelCount > Integer.MAX_VALUE - 8) {
      throw new DataFormatException(
          imagesName
              + ": expected at most "
              + (Integer.MAX_VALUE - 8)
              + " pixels in one file, found a header promising "
              + count
              + " images of "
              + rows
              + "x"
              + columns
              + " = "
              + pixelCount);
    }
    byte[] pixels =
        readBody(
            imageData,
            imagesName,
            (int) pixelCount,
            count + " images of " + rows + "x" + columns,
            16);
    byte[] labelBytes = readBody(labelData, labelsName, count, count + " labels", 8);
    int[] labelValues = new int[count];
    for (int i = 0; i < count; i++) {
      int label = labelBytes[i] & 0xff;
      if (label >= classNames.size()) {
        throw new DataFormatException(
            labelsName
                + ": label of image "
                + i
                + " is "
                + label
                + ", expected 0.."
                + (classNames.size() - 1)
                + " for "
                + classNames.size()
                + " classes");
      }
      labelValues[i] = label;
    }
    return ImageDataset.wrap(imagesName, pixels, labelValues, 1, rows, columns, classNames);
  }

  private static int[] readHeader(
      InputStream in, String name, int magic, String kind, int dimensions) throws IOException {
    int headerBytes = 4 * (1 + dimensions);
    // The magic number is checked before the rest of the header is read: a file of the wrong kind
    // should be reported as such, not as a header that happens to be too short.
    byte[] magicBytes = readUpTo(in, name, 4);
    if (magicBytes.length == 4 && intAt(magicBytes, 0) != magic) {
      int found = intAt(magicBytes, 0);
      String hint = "";
      if (found == IMAGES_MAGIC || found == LABELS_MAGIC) {
        hint =
            " (the magic of "
                + (found == IMAGES_MAGIC ? "an images" : "a labels")
                + " file: were the two files swapped?)";
      }
      throw new DataFormatException(
          name
              + ": wrong magic number: expected "
              + hex(magic)
              + " for "
              + kind
              + ", found "
              + hex(found)
              + hint);
    }
    byte[] sizeBytes = readUpTo(in, name, 4 * dimensions);
    int available = magicBytes.length + sizeBytes.length;
    if (available < headerBytes) {
      throw new DataFormatException(
          name
              + ": truncated: expected a "
              + headerBytes
              + "-byte IDX header for "
              + kind
              + ", found only "
              + available
              + " bytes");
    }
    int[] sizes = new int[dimensions];
    for (int d = 0; d < dimensions; d++) {
      sizes[d] = intAt(sizeBytes, 4 * d);
      // Sizes are unsigned in the format; anything past 2^31 is a corrupt header, not a real
      // dataset.
      boolean isCount = d == 0;
      if (sizes[d] < 0 || (!isCount && sizes[d] == 0)) {
        throw new DataFormatException(
            name
                + ": expected dimension "
                + d
                + " of the IDX header to be "
                + (isCount ? "at least 0" : "positive")
                + ", found "
                + Integer.toUnsignedString(sizes[d]));
      }
    }
    return sizes;
  }

  private static byte[] readBody(
      InputStream in, String name, int length, String promised, int headerBytes)
      throws IOException {
    // readNBytes grows its buffer as data arrives, so a corrupt header promising gigabytes fails as
    // a
    // short read instead of allocating the promised size up front.
    byte[] body = readUpTo(in, name, length);
    if (body.length < length) {
      throw new DataFormatException(
          name
              + ": truncated: header promises "
              + promised
              + " ("
              + (headerBytes + (long) length)
              + " bytes in all), found only "
              + (headerBytes + (long) body.length)
              + " bytes");
    }
    if (readUpTo(in, name, 1).length > 0) {
      throw new DataFormatException(
          name
              + ": expected the data to end after "
              + promised
              + " as the header promises, found more bytes after them");
    }
    return body;
  }

  private static byte[] readUpTo(InputStream in, String name, int length) throws IOException {
    try {
      return in.readNBytes(length);
    } catch (ZipException | EOFException e) {
      // Only the gzip layer throws these; a short plain file shows up as a short read instead.
      throw DataFiles.corruptGzip(name, e);
    }
  }

  private static int intAt(byte[] bytes, int offset) {
    return (bytes[offset] & 0xff) << 24
        | (bytes[offset + 1] & 0xff) << 16
        | (bytes[offset + 2] & 0xff) << 8
        | (bytes[offset + 3] & 0xff);
  }

  static String hex(int value) {
    return String.format("0x%08X", value);
  }
}
