package dev.enas.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * File opening shared by the readers: one place for the missing-file message and gzip detection.
 */
final class DataFiles {

  private static final int BUFFER = 1 << 16;

  private DataFiles() {}

  /**
   * Opens a file, naming it and its role when it is missing or unreadable; the bare exception
   * messages are just the path, which says nothing about which input of which reader was wrong.
   */
  static InputStream open(Path file, String role) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, role + " not found");
    } catch (AccessDeniedException e) {
      throw new AccessDeniedException(file.toString(), null, role + " not readable");
    }
  }

  /** True when the stream starts with the gzip magic 0x1f 0x8b; the stream is left where it was. */
  static boolean isGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int first = in.read();
    int second = in.read();
    in.reset();
    return first == 0x1f && second == 0x8b;
  }

  /**
   * The stream's content, decompressed when it is gzip. Detection goes by content, not by file
   * name, because downloaded MNIST-family files are often renamed or unpacked without renaming.
   */
  static InputStream decompressed(InputStream in, String name) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
    if (!isGzip(buffered)) {
      return buffered;
    }
    try {
      return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER);
    } catch (ZipException | EOFException e) {
      throw corruptGzip(name, e);
    }
  }

  static DataFormatException corruptGzip(String name, IOException cause) {
    return new DataFormatException(
        name
            + ": expected valid gzip data, found a truncated or corrupt stream ("
            + cause.getMessage()
            + ")",
        cause);
  }
}
