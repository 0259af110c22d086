package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  private static final List<String> THREE_CLASSES = List.of("a", "b", "c");

  @TempDir Path dir;

  private final byte[] pixels = IdxBytes.pattern(4 * 2 * 3);
  private final byte[] labelBytes = {2, 0, 1, 2};

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  @Test
  void readsBackAPlainFile() throws IOException {
    Path images = write("images-idx3-ubyte", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("labels-idx1-ubyte", IdxBytes.labels(4, labelBytes));

    ImageDataset data = IdxReader.read(images, labels, THREE_CLASSES);

    assertThat(data.size()).isEqualTo(4);
    assertThat(data.channels()).isEqualTo(1);
    assertThat(data.height()).isEqualTo(2);
    assertThat(data.width()).isEqualTo(3);
    assertThat(data.pixels()).isEqualTo(pixels);
    assertThat(data.labels()).containsExactly(2, 0, 1, 2);
    assertThat(data.classNames()).isEqualTo(THREE_CLASSES);
    assertThat(data.name()).isEqualTo("images-idx3-ubyte");
    // Row-major within an image: image 1, row 1, column 2 is the 12th byte of the body.
    assertThat(data.pixel(1, 0, 1, 2)).isEqualTo(pixels[6 + 5] & 0xff);
  }

  @Test
  void detectsGzipByContentNotByName() throws IOException {
    // Names say plain, content is gzip: the reader must look at the bytes.
    Path images = write("images.idx", IdxBytes.gzip(IdxBytes.images(4, 2, 3, pixels)));
    Path labels = write("labels.idx", IdxBytes.gzip(IdxBytes.labels(4, labelBytes)));

    ImageDataset data = IdxReader.read(images, labels, THREE_CLASSES);

    assertThat(data.pixels()).isEqualTo(pixels);
    assertThat(data.labels()).containsExactly(2, 0, 1, 2);
  }

  @Test
  void readsPlainFileNamedLikeGzip() throws IOException {
    Path images = write("images.gz", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("labels.gz", IdxBytes.gzip(IdxBytes.labels(4, labelBytes)));

    assertThat(IdxReader.read(images, labels, THREE_CLASSES).pixels()).isEqualTo(pixels);
  }

  @Test
  void readsFromStreams() throws IOException {
    ImageDataset data =
        IdxReader.read(
            new ByteArrayInputStream(IdxBytes.gzip(IdxBytes.images(4, 2, 3, pixels))),
            "res:images",
            new ByteArrayInputStream(IdxBytes.labels(4, labelBytes)),
            "res:labels",
            THREE_CLASSES);

    assertThat(data.name()).isEqualTo("res:images");
    assertThat(data.pixels()).isEqualTo(pixels);
  }

  @Test
  void acceptsAnEmptySet() throws IOException {
    ImageDataset data =
        IdxReader.read(
            write("i", IdxBytes.images(0, 2, 3, new byte[0])),
            write("l", IdxBytes.labels(0, new byte[0])),
            THREE_CLASSES);

    assertThat(data.size()).isZero();
    assertThat(data.classCounts()).containsExactly(0, 0, 0);
  }

  @Test
  void truncatedImagesNameFileAndBothSizes() throws IOException {
    byte[] full = IdxBytes.images(4, 2, 3, pixels);
    Path images = write("short-images", Arrays.copyOf(full, full.length - 5));
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("short-images")
        .hasMessageContaining("truncated")
        .hasMessageContaining("4 images of 2x3")
        .hasMessageContaining(String.valueOf(full.length))
        .hasMessageContaining(String.valueOf(full.length - 5));
  }

  @Test
  void truncatedGzipNamesTheFile() throws IOException {
    byte[] gz = IdxBytes.gzip(IdxBytes.images(4, 2, 3, pixels));
    Path images = write("cut.gz", Arrays.copyOf(gz, gz.length - 12));
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("cut.gz");
  }

  @Test
  void truncatedHeaderNamesFileAndSizes() throws IOException {
    Path images = write("images", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("tiny-labels", new byte[] {0, 0, 8, 1, 0});

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("tiny-labels")
        .hasMessageContaining("8-byte")
        .hasMessageContaining("only 5 bytes");
  }

  @Test
  void trailingBytesAreRejected() throws IOException {
    byte[] full = IdxBytes.images(4, 2, 3, pixels);
    Path images = write("long-images", Arrays.copyOf(full, full.length + 3));
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("long-images")
        .hasMessageContaining("4 images of 2x3");
  }

  @Test
  void wrongMagicPrintsBothInHex() throws IOException {
    Path images = write("odd-images", IdxBytes.withMagic(0x00000D03, pixels, 4, 2, 3));
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("odd-images")
        .hasMessageContaining("wrong magic")
        .hasMessageContaining("expected 0x00000803")
        .hasMessageContaining("found 0x00000D03");
  }

  @Test
  void swappedFilesAreCalledOut() throws IOException {
    Path images = write("images", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));

    assertThatThrownBy(() -> IdxReader.read(labels, images, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("expected 0x00000803")
        .hasMessageContaining("found 0x00000801")
        .hasMessageContaining("swapped");
  }

  @Test
  void countMismatchNamesBothCounts() throws IOException {
    Path images = write("images", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("three-labels", IdxBytes.labels(3, new byte[] {0, 1, 2}));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("three-labels")
        .hasMessageContaining("expected 4 labels")
        .hasMessageContaining("promising 3");
  }

  @Test
  void labelOutOfRangeGivesIndexValueAndRange() throws IOException {
    Path images = write("images", IdxBytes.images(4, 2, 3, pixels));
    Path labels = write("bad-labels", IdxBytes.labels(4, new byte[] {0, 1, 2, 7}));

    assertThatThrownBy(() -> IdxReader.read(images, labels, THREE_CLASSES))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("bad-labels")
        .hasMessageContaining("image 3")
        .hasMessageContaining("is 7")
        .hasMessageContaining("0..2");
  }

  @Test
  void missingFileIsNamed() throws IOException {
    Path labels = write("labels", IdxBytes.labels(4, labelBytes));
    Path missing = dir.resolve("no-such-images");

    assertThatThrownBy(() -> IdxReader.read(missing, labels, THREE_CLASSES))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("IDX images file not found");
  }
}
