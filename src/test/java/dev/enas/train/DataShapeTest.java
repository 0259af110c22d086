package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.spec.DataSpec;
import dev.enas.spec.TrainingSpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataShapeTest {

  @Test
  void theEmbeddedDataSetsAreKnownWithoutASpecOfTheirShape() {
    DataShape fashion = DataShape.peek(DataSpec.embedded()).orElseThrow();
    assertThat(fashion).isEqualTo(DataShape.images(1, 28, 28, 6000));
    DataShape sonnets = DataShape.peek(DataSpec.sonnets()).orElseThrow();
    assertThat(sonnets.text()).isTrue();
    assertThat(sonnets.trainSize()).isEqualTo(15_992);
    assertThat(DataShape.peek(new DataSpec(DataSpec.EMBEDDED, 0.1, 400)).orElseThrow().trainSize())
        .isEqualTo(400);
  }

  @Test
  void anIdxHeaderGivesTheShapeOfAGzipOrPlainFile(@TempDir Path dir) throws IOException {
    byte[] header = idxHeader(60_000, 20, 24);
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(dir.resolve("train-images-idx3-ubyte.gz")))) {
      out.write(header);
    }
    assertThat(DataShape.peek(new DataSpec("idx:" + dir, 0.1, 0)))
        .contains(DataShape.images(1, 20, 24, 60_000));

    Path plain = Files.createDirectories(dir.resolve("plain"));
    Files.write(plain.resolve("train-images-idx3-ubyte"), idxHeader(100, 28, 28));
    assertThat(DataShape.peek(new DataSpec("idx:" + plain, 0.1, 0)))
        .contains(DataShape.images(1, 28, 28, 100));
  }

  @Test
  void cifarBatchesAreCountedFromTheirSizes(@TempDir Path dir) throws IOException {
    for (int i = 1; i <= 5; i++) {
      Files.write(dir.resolve("data_batch_" + i + ".bin"), new byte[3073 * 3]);
    }
    assertThat(DataShape.peek(new DataSpec("cifar10:" + dir, 0.1, 0)))
        .contains(DataShape.images(3, 32, 32, 15));
  }

  @Test
  void whatCannotBeReadCheaplyHasNoShape(@TempDir Path dir) throws IOException {
    assertThat(DataShape.peek(new DataSpec("idx:" + dir.resolve("missing"), 0.1, 0))).isEmpty();
    Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[] {0, 0, 8, 1, 0});
    assertThat(DataShape.peek(new DataSpec("idx:" + dir, 0.1, 0))).isEmpty();
  }

  @Test
  void cutoutIsNoneOnGreyImagesAndScalesWithColourImages() {
    assertThat(DataShape.images(1, 28, 28, 10).cutout()).isZero();
    assertThat(DataShape.images(3, 32, 32, 10).cutout()).isEqualTo(16);
    assertThat(DataShape.images(3, 64, 96, 10).cutout()).isEqualTo(32);
    assertThat(DataShape.images(3, 8, 8, 10).cutout()).isEqualTo(4);
    assertThat(DataShape.text(1000).cutout()).isZero();
  }

  @Test
  void aTextBatchLeavesFiftyStepsAnEpochButNeverExceedsThePapersBatch() {
    assertThat(DataShape.text(929_589).textBatchSize(64, 35)).isEqualTo(64);
    assertThat(DataShape.text(13_000).textBatchSize(64, 35)).isEqualTo(7);
    assertThat(13_000 / (7 * 35)).isGreaterThanOrEqualTo(50);
    assertThat(DataShape.text(100).textBatchSize(64, 35)).isEqualTo(1);
  }

  @Test
  void aTrainingShorterThanItsRestartPeriodAnnealsWithinItsEpochs() {
    TrainingSpec paper = new TrainingSpec(2, 0, 0.05, 0.0005, 10, 2, 0.9, 2.5e-4, 5, 10);
    TrainingSpec fitted = DataShape.annealWithin(paper, false, false);
    assertThat(fitted.restartPeriod()).isEqualTo(2);
    assertThat(fitted.restartMultiplier()).isEqualTo(1);
    assertThat(Schedules.of(fitted).at(1.999)).isLessThan(0.001);
    assertThat(Schedules.of(paper).at(1.999)).isGreaterThan(0.04);

    assertThat(DataShape.annealWithin(paper, true, false)).isEqualTo(paper);
    assertThat(DataShape.annealWithin(paper, false, true).restartMultiplier()).isEqualTo(2);
    TrainingSpec longer = new TrainingSpec(30, 0, 0.05, 0.0005, 10, 2, 0.9, 2.5e-4, 5, 10);
    assertThat(DataShape.annealWithin(longer, false, false)).isEqualTo(longer);
  }

  private static byte[] idxHeader(int count, int rows, int columns) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(0x00000803);
      out.writeInt(count);
      out.writeInt(rows);
      out.writeInt(columns);
    }
    return bytes.toByteArray();
  }
}
