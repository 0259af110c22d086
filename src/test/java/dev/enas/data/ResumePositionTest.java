package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch iterator or text batcher started at a position serves exactly what one started at zero
 * serves after that many batches, augmentation draws included, wherever the position falls (inside
 * the first epoch, on an epoch boundary, several epochs in).
 */
class ResumePositionTest {

  private static BatchIterator.Builder images(ImageDataset data) {
    return BatchIterator.builder(data, 7, Normalization.compute(data))
        .seed(9)
        .endless()
        .shuffle(true)
        .dropLast(true)
        .augmentation(new Augmentation(2, true, 3));
  }

  @Test
  void aBatchIteratorStartedAtAPositionContinuesTheSequence() {
    ImageDataset data = SyntheticImages.greyscale28(50, 3);
    List<Batch> all = new ArrayList<>();
    try (BatchIterator from0 = images(data).build()) {
      for (int i = 0; i < 40; i++) {
        all.add(from0.next());
      }
      assertThat(from0.position()).isEqualTo(40);
    }
    int perEpoch = 50 / 7;
    for (int start : new int[] {1, 3, perEpoch, perEpoch + 2, 3 * perEpoch, 33}) {
      try (BatchIterator resumed = images(data).startAt(start).build()) {
        assertThat(resumed.position()).isEqualTo(start);
        for (int i = start; i < 40; i++) {
          Batch b = resumed.next();
          assertThat(b.images()).as("batch %d from %d", i, start).isEqualTo(all.get(i).images());
          assertThat(b.labels()).as("batch %d from %d", i, start).isEqualTo(all.get(i).labels());
        }
        assertThat(resumed.position()).isEqualTo(40);
      }
    }
  }

  @Test
  void aTextBatcherStartedAtAPositionContinuesTheSequence() {
    int[] tokens = new int[503];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i * 7) % 31;
    }
    TextBatcher from0 = TextBatcher.builder(tokens, "t", 4, 5).endless().build();
    List<TokenBatch> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(from0.next());
    }
    assertThat(from0.position()).isEqualTo(60);
    int perPass = from0.windowsPerPass();
    for (int start : new int[] {1, 2, perPass - 1, perPass, perPass + 1, 2 * perPass, 59}) {
      TextBatcher resumed = TextBatcher.builder(tokens, "t", 4, 5).endless().startAt(start).build();
      assertThat(resumed.position()).isEqualTo(start);
      for (int i = start; i < 60; i++) {
        TokenBatch w = resumed.next();
        assertThat(w)
            .as("window %d from %d", i, start)
            .usingRecursiveComparison()
            .isEqualTo(all.get(i));
      }
      assertThat(resumed.passesStarted()).isEqualTo(from0.passesStarted());
    }
  }

  @Test
  void aSinglePassBatcherCannotStartBeyondItsEnd() {
    int[] tokens = new int[103];
    TextBatcher.Builder builder = TextBatcher.builder(tokens, "t", 2, 5);
    int perPass = builder.build().windowsPerPass();
    assertThat(builder.startAt(perPass).build().hasNext()).isFalse();
    assertThatThrownBy(() -> TextBatcher.builder(tokens, "t", 2, 5).startAt(perPass + 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot start after window");
  }
}
