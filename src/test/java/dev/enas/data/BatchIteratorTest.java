package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {

  /**
   * 1x1x2 images whose first pixel is their own index, so a batch tells which examples it holds.
   */
  private static ImageDataset numbered(int size) {
    byte[] pixels = new byte[size * 2];
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      pixels[2 * i] = (byte) i;
      pixels[2 * i + 1] = (byte) 255;
      labels[i] = i % 3;
    }
    return new ImageDataset("numbered", pixels, labels, 1, 1, 2, List.of("a", "b", "c"));
  }

  private static List<Integer> indicesOf(Batch batch) {
    List<Integer> indices = new ArrayList<>();
    for (int k = 0; k < batch.size(); k++) {
      indices.add(Math.round(batch.images()[2 * k] * 255));
    }
    return indices;
  }

  private static List<Batch> drain(BatchIterator batches) {
    List<Batch> all = new ArrayList<>();
    batches.forEachRemaining(all::add);
    return all;
  }

  @Test
  void everyEpochCoversEachExampleExactlyOnce() {
    ImageDataset data = numbered(103);
    try (BatchIterator batches =
        BatchIterator.builder(data, 10, Normalization.unit(1)).seed(4).epochs(3).build()) {
      assertThat(batches.batchesPerEpoch()).isEqualTo(11);
      List<Batch> all = drain(batches);

      assertThat(all).hasSize(33);
      List<List<Integer>> epochs = new ArrayList<>();
      for (int e = 0; e < 3; e++) {
        List<Integer> seen = new ArrayList<>();
        for (Batch batch : all.subList(11 * e, 11 * (e + 1))) {
          seen.addAll(indicesOf(batch));
          for (int k = 0; k < batch.size(); k++) {
            assertThat(batch.labels()[k]).isEqualTo(indicesOf(batch).get(k) % 3);
          }
        }
        epochs.add(seen);
        List<Integer> sorted = new ArrayList<>(seen);
        Collections.sort(sorted);
        assertThat(sorted).isEqualTo(IntStream.range(0, 103).boxed().toList());
      }
      assertThat(all.get(10).size()).isEqualTo(3);
      assertThat(epochs.get(0)).isNotEqualTo(epochs.get(1));
      assertThat(batches.hasNext()).isFalse();
      assertThatThrownBy(batches::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void dropLastDropsOnlyTheShortBatch() {
    try (BatchIterator batches =
        BatchIterator.builder(numbered(103), 10, Normalization.unit(1))
            .dropLast(true)
            .epochs(2)
            .build()) {
      List<Batch> all = drain(batches);

      assertThat(all).hasSize(20).allMatch(batch -> batch.size() == 10);
    }
  }

  @Test
  void withoutShuffleTheDatasetOrderIsKept() {
    try (BatchIterator batches =
        BatchIterator.builder(numbered(25), 10, Normalization.unit(1)).shuffle(false).build()) {
      List<Integer> seen = new ArrayList<>();
      drain(batches).forEach(batch -> seen.addAll(indicesOf(batch)));

      assertThat(seen).isEqualTo(IntStream.range(0, 25).boxed().toList());
    }
  }

  @Test
  void sameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
    ImageDataset data = SyntheticImages.greyscale28(90, 1);
    Normalization normalization = Normalization.compute(data);

    List<Batch> first = run(data, normalization, 8);
    List<Batch> again = run(data, normalization, 8);
    List<Batch> other = run(data, normalization, 9);

    assertThat(again).hasSameSizeAs(first);
    for (int b = 0; b < first.size(); b++) {
      assertThat(again.get(b).images()).isEqualTo(first.get(b).images());
      assertThat(again.get(b).labels()).isEqualTo(first.get(b).labels());
    }
    assertThat(other.get(0).images()).isNotEqualTo(first.get(0).images());
  }

  private static List<Batch> run(ImageDataset data, Normalization normalization, long seed) {
    try (BatchIterator batches =
        BatchIterator.builder(data, 16, normalization)
            .seed(seed)
            .epochs(2)
            .augmentation(Augmentation.cifar10Retrain())
            .build()) {
      return drain(batches);
    }
  }

  @Test
  void augmentationDoesNotChangeTheExampleOrder() {
    ImageDataset data = numbered(50);
    List<Integer> plain = new ArrayList<>();
    List<Integer> augmented = new ArrayList<>();
    try (BatchIterator batches =
        BatchIterator.builder(data, 7, Normalization.unit(1)).seed(3).build()) {
      drain(batches).forEach(batch -> plain.addAll(indicesOf(batch)));
    }
    // Flipping a 1x2 image moves the index pixel, so read the other pixel as well.
    try (BatchIterator batches =
        BatchIterator.builder(data, 7, Normalization.unit(1))
            .seed(3)
            .augmentation(new Augmentation(0, true, 0))
            .build()) {
      for (Batch batch : drain(batches)) {
        for (int k = 0; k < batch.size(); k++) {
          float left = batch.images()[2 * k];
          float right = batch.images()[2 * k + 1];
          augmented.add(Math.round(Math.min(left, right) * 255));
        }
      }
    }

    assertThat(augmented).isEqualTo(plain);
  }

  @Test
  void aFailureInTheProducerSurfacesInNext() {
    RuntimeException boom = new RuntimeException("boom");
    int[] calls = {0};
    ImageTransform failing =
        (images, offset, channels, height, width, random) -> {
          if (++calls[0] == 25) {
            throw boom;
          }
        };

    try (BatchIterator batches =
        BatchIterator.builder(numbered(100), 10, Normalization.unit(1))
            .augmentation(failing)
            .build()) {
      assertThat(batches.next().size()).isEqualTo(10);
      assertThat(batches.next().size()).isEqualTo(10);
      assertThatThrownBy(batches::next)
          .isInstanceOf(IllegalStateException.class)
          .hasCause(boom)
          .hasMessageContaining("numbered");
      // The failure stays reported; it is not mistaken for the end of the data.
      assertThat(batches.hasNext()).isTrue();
      assertThatThrownBy(batches::next).hasCause(boom);
    }
  }

  @Test
  void closeStopsAnEndlessProducer() {
    BatchIterator batches =
        BatchIterator.builder(numbered(100), 10, Normalization.unit(1))
            .endless()
            .prefetch(2)
            .build();
    for (int i = 0; i < 25; i++) {
      assertThat(batches.next().size()).isEqualTo(10);
    }
    assertThat(batches.isProducing()).isTrue();

    batches.close();

    assertThat(batches.isProducing()).isFalse();
    assertThat(batches.hasNext()).isFalse();
    assertThatThrownBy(batches::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void producerThreadIsADaemonThatEndsWithTheData() throws InterruptedException {
    // Prefetch 1 and two batches: the producer must still be waiting to hand over the second one.
    BatchIterator batches =
        BatchIterator.builder(numbered(10), 5, Normalization.unit(1)).prefetch(1).build();
    Thread producer =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("enas-batches-numbered"))
            .findFirst()
            .orElseThrow();
    assertThat(producer.isDaemon()).isTrue();

    assertThat(drain(batches)).hasSize(2);

    producer.join();
    assertThat(batches.isProducing()).isFalse();
    batches.close();
  }

  @Test
  void rejectsSettingsThatCannotWork() {
    assertThatThrownBy(
            () ->
                BatchIterator.builder(numbered(5), 10, Normalization.unit(1))
                    .dropLast(true)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize 10");
    assertThatThrownBy(() -> BatchIterator.builder(numbered(5), 0, Normalization.unit(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
    assertThatThrownBy(() -> BatchIterator.builder(numbered(5), 2, Normalization.unit(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("channels");
  }
}
