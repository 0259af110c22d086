package dev.enas.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the binary version of CIFAR-10 ({@code data_batch_1.bin} ... {@code test_batch.bin}):
 * records of one label byte followed by a 32x32 image as its red, green and blue planes. Several
 * batch files are joined into one dataset in the order given.
 */
public final class Cifar10Reader {

  /** The CIFAR-10 classes in label order. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  public static final int CHANNELS = 3;
  public static final int SIDE = 32;

  /** Pixel bytes per record: three planes of 32x32. */
  public static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;

  /** Bytes per record: the label byte and the image. */
  public static final int RECORD_BYTES = 1 + IMAGE_BYTES;

  private Cifar10Reader() {}

  /** Reads the batch files into one dataset named {@code cifar-10}. */
  public static ImageDataset read(List<Path> batches) throws IOException {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("batches must name at least one CIFAR-10 batch file");
    }
    // Two passes so the pixels land directly in the final array: with five 30 MB training batches a
    // read-then-concatenate approach would need twice the memory. Sizes of plain files come from
    // the
    // file system; a gzip-compressed batch is decompressed once and kept until the second pass.
    List<Part> parts = new ArrayList<>();
    long records = 0;
    for (Path batch : batches) {
      Part part = measure(batch);
      parts.add(part);
      records += part.length / RECORD_BYTES;
    }
    if (records * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
      throw new DataFormatException(
          batches
              + ": expected at most "
              + (Integer.MAX_VALUE - 8) / IMAGE_BYTES
              + " records in all, found "
              + records);
    }
    byte[] pixels = new byte[(int) records * IMAGE_BYTES];
    int[] labels = new int[(int) records];
    int next = 0;
    for (Part part : parts) {
      next = readRecords(part, pixels, labels, next);
    }
    return ImageDataset.wrap("cifar-10", pixels, labels, CHANNELS, SIDE, SIDE, CLASS_NAMES);
  }

  private record Part(Path path, byte[] decompressed, long length) {}

  private static Part measure(Path batch) throws IOException {
    String name = batch.toString();
    Part part;
    try (BufferedInputStream in =
        new BufferedInputStream(DataFiles.open(batch, "CIFAR-10 batch file"))) {
      if (DataFiles.isGzip(in)) {
        byte[] content;
        try (GZIPInputStream gzip = new GZIPInputStream(in)) {
          content = gzip.readAllBytes();
        } catch (ZipException | EOFException e) {
          throw DataFiles.corruptGzip(name, e);
        }
        part = new Part(batch, content, content.length);
      } else {
        part = new Part(batch, null, Files.size(batch));
      }
    }
    if (part.length == 0 || part.length % RECORD_BYTES != 0) {
      throw new DataFormatException(
          name
              + ": expected a length that is a positive multiple of "
              + RECORD_BYTES
              + " bytes (1 label byte + "
              + IMAGE_BYTES
              + " pixel bytes per record), found "
              + part.length
              + " bytes = "
              + part.length / RECORD_BYTES
              + " records and "
              + part.length % RECORD_BYTES
              + " bytes left over");
    }
    return part;
  }

  private static int readRecords(Part part, byte[] pixels, int[] labels, int first)
      throws IOException {
    String name = part.path.toString();
    int count = (int) (part.length / RECORD_BYTES);
    try (InputStream in =
        part.decompressed != null
            ? new ByteArrayInputStream(part.decompressed)
            : new BufferedInputStream(DataFiles.open(part.path, "CIFAR-10 batch file"), 1 << 16)) {
      for (int r = 0; r < count; r++) {
        int label = in.read();
        // The three colour planes are already channel, row, column order, so they go in as they
        // are.
        int read = label < 0 ? 0 : in.readNBytes(pixels, (first + r) * IMAGE_BYTES, IMAGE_BYTES);
        if (read < IMAGE_BYTES) {
          // Possible only if the file shrank between the two passes.
          throw new DataFormatException(
              name
                  + ": truncated: expected "
                  + count
                  + " records, found only "
                  + r
                  + " whole records");
        }
        if (label >= CLASS_NAMES.size()) {
          throw new DataFormatException(
              name
                  + ": label of record "
                  + r
                  + " is "
                  + label
                  + ", expected 0.."
                  + (CLASS_NAMES.size() - 1));
        }
        labels[first + r] = label;
      }
    }
    return first + count;
  }
}
