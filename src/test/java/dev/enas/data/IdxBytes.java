package dev.enas.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

/** Builds IDX file contents byte by byte, so tests can make valid and deliberately broken files. */
final class IdxBytes {

  private IdxBytes() {}

  static byte[] images(int count, int rows, int columns, byte[] pixels) {
    return withMagic(IdxReader.IMAGES_MAGIC, pixels, count, rows, columns);
  }

  static byte[] labels(int count, byte[] labels) {
    return withMagic(IdxReader.LABELS_MAGIC, labels, count);
  }

  static byte[] withMagic(int magic, byte[] body, int... dimensions) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dimensions.length + body.length);
    buffer.putInt(magic);
    for (int d : dimensions) {
      buffer.putInt(d);
    }
    buffer.put(body);
    return buffer.array();
  }

  static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  /** Distinct, position-dependent pixel values, so a mix-up of images or pixels is visible. */
  static byte[] pattern(int length) {
    byte[] pixels = new byte[length];
    for (int i = 0; i < length; i++) {
      pixels[i] = (byte) (i * 7 + 3);
    }
    return pixels;
  }
}
