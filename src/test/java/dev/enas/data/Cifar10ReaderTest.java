package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {

  @TempDir Path dir;

  /** Records whose pixel value encodes record, channel and position, so misplaced bytes show. */
  private static byte[] batch(int... labels) {
    byte[] content = new byte[labels.length * Cifar10Reader.RECORD_BYTES];
    for (int r = 0; r < labels.length; r++) {
      int start = r * Cifar10Reader.RECORD_BYTES;
      content[start] = (byte) labels[r];
      for (int i = 0; i < Cifar10Reader.IMAGE_BYTES; i++) {
        content[start + 1 + i] = (byte) (r * 50 + i / 1024 * 10 + i % 7);
      }
    }
    return content;
  }

  @Test
  void readsAThreeRecordBatch() throws IOException {
    Path file = Files.write(dir.resolve("data_batch_1.bin"), batch(6, 9, 0));

    ImageDataset data = Cifar10Reader.read(List.of(file));

    assertThat(data.size()).isEqualTo(3);
    assertThat(data.channels()).isEqualTo(3);
    assertThat(data.height()).isEqualTo(32);
    assertThat(data.width()).isEqualTo(32);
    assertThat(data.labels()).containsExactly(6, 9, 0);
    assertThat(data.classNames().get(6)).isEqualTo("frog");
    // Record 1, green plane (channel 1), row 2, column 5: byte 1024 + 69 of its image.
    int i = 1024 + 2 * 32 + 5;
    assertThat(data.pixel(1, 1, 2, 5)).isEqualTo((50 + i / 1024 * 10 + i % 7) & 0xff);
    byte[] expected = Arrays.copyOfRange(batch(6, 9, 0), 2 * 3073 + 1, 3 * 3073);
    assertThat(data.image(2)).isEqualTo(expected);
  }

  @Test
  void joinsBatchesInOrderAndReadsGzip() throws IOException {
    Path first = Files.write(dir.resolve("a.bin"), batch(1, 2));
    Path second = Files.write(dir.resolve("b.bin"), IdxBytes.gzip(batch(3)));

    ImageDataset data = Cifar10Reader.read(List.of(first, second));

    assertThat(data.labels()).containsExactly(1, 2, 3);
    assertThat(data.classCounts()).containsExactly(0, 1, 1, 1, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void lengthNotAMultipleOfTheRecordIsRejected() throws IOException {
    Path file =
        Files.write(dir.resolve("broken_batch.bin"), Arrays.copyOf(batch(1, 2), 2 * 3073 - 100));

    assertThatThrownBy(() -> Cifar10Reader.read(List.of(file)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("broken_batch.bin")
        .hasMessageContaining("multiple of 3073")
        .hasMessageContaining("found " + (2 * 3073 - 100) + " bytes");
  }

  @Test
  void labelOutOfRangeGivesRecordValueAndRange() throws IOException {
    Path file = Files.write(dir.resolve("labels_batch.bin"), batch(1, 10, 2));

    assertThatThrownBy(() -> Cifar10Reader.read(List.of(file)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("labels_batch.bin")
        .hasMessageContaining("record 1")
        .hasMessageContaining("is 10")
        .hasMessageContaining("0..9");
  }

  @Test
  void missingBatchIsNamed() {
    Path missing = dir.resolve("data_batch_9.bin");

    assertThatThrownBy(() -> Cifar10Reader.read(List.of(missing)))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString());
  }
}
