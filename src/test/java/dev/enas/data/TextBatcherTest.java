package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TextBatcherTest {

  /** Token i has id i, so every id in a batch says where in the text it came from. */
  private static int[] positions(int n) {
    int[] tokens = new int[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = i;
    }
    return tokens;
  }

  @Test
  void servesContiguousStreamsWindowByWindow() {
    // 20 tokens, 2 streams of 10: 0..9 and 10..19. Windows of 3 need a successor for their last
    // token, so (10 - 1) / 3 = 3 windows fit and token 9 / 19 is only ever a target.
    TextBatcher batcher = TextBatcher.builder(positions(20), "hand", 2, 3).build();

    assertThat(batcher.windowsPerPass()).isEqualTo(3);
    assertThat(batcher.streamLength()).isEqualTo(10);

    TokenBatch first = batcher.next();
    assertThat(first.inputs()).containsExactly(0, 1, 2, 10, 11, 12);
    assertThat(first.targets()).containsExactly(1, 2, 3, 11, 12, 13);
    assertThat(first.startsPass()).isTrue();

    TokenBatch second = batcher.next();
    assertThat(second.inputs()).containsExactly(3, 4, 5, 13, 14, 15);
    assertThat(second.targets()).containsExactly(4, 5, 6, 14, 15, 16);
    assertThat(second.startsPass()).isFalse();

    TokenBatch third = batcher.next();
    assertThat(third.inputs()).containsExactly(6, 7, 8, 16, 17, 18);
    assertThat(third.targets()).containsExactly(7, 8, 9, 17, 18, 19);
    assertThat(third.input(1, 2)).isEqualTo(18);
    assertThat(third.target(1, 2)).isEqualTo(19);

    assertThat(batcher.hasNext()).isFalse();
    assertThatThrownBy(batcher::next)
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("hand");
  }

  @Test
  void dropsTheTailThatDoesNotFillAStreamOrAWindow() {
    // 23 tokens over 2 streams: 11 each, token 22 dropped. (11 - 1) / 3 = 3 windows; stream 0's
    // last
    // window ends with target 9, so token 10 is unused too.
    TextBatcher batcher = TextBatcher.builder(positions(23), "tail", 2, 3).build();

    List<TokenBatch> pass = drain(batcher);

    assertThat(pass).hasSize(3);
    assertThat(pass.get(0).inputs()).containsExactly(0, 1, 2, 11, 12, 13);
    assertThat(pass.get(2).targets()).containsExactly(7, 8, 9, 18, 19, 20);
  }

  @Test
  void endlessStartsOverAtTheFirstWindow() {
    TextBatcher batcher = TextBatcher.builder(positions(20), "loop", 2, 3).endless().build();
    List<TokenBatch> windows = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      assertThat(batcher.hasNext()).isTrue();
      windows.add(batcher.next());
    }

    assertThat(windows)
        .extracting(TokenBatch::startsPass)
        .containsExactly(true, false, false, true, false, false, true);
    assertThat(windows.get(3).inputs()).isEqualTo(windows.get(0).inputs());
    assertThat(windows.get(6).targets()).isEqualTo(windows.get(0).targets());
    assertThat(batcher.passesStarted()).isEqualTo(3);
    assertThat(batcher.isEndless()).isTrue();
  }

  @Test
  void exactlyOneWindowFitsTheMinimumLength() {
    // (steps + 1) x batchSize tokens is the least that serves one window.
    TextBatcher batcher = TextBatcher.builder(positions(8), "min", 2, 3).build();

    assertThat(drain(batcher)).hasSize(1);
  }

  @Test
  void readsAPartOfACorpusUnderTheCorpusName() {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("a", "b"));
    int[] ids = {0, 1, 2, 3, 0, 1, 2, 3};
    TextCorpus corpus = new TextCorpus("tiny", vocabulary, ids, new int[] {0, 1}, ids);

    TextBatcher batcher = TextBatcher.builder(corpus, TextCorpus.Split.TRAIN, 2, 2).build();
    assertThat(batcher.next().inputs()).containsExactly(0, 1, 0, 1);

    assertThatThrownBy(() -> TextBatcher.builder(corpus, TextCorpus.Split.VALIDATION, 1, 2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tiny/validation has 2 tokens");
  }

  @Test
  void copiesTheTokensItIsGiven() {
    int[] tokens = positions(10);
    TextBatcher batcher = TextBatcher.builder(tokens, "copy", 1, 2).build();

    tokens[0] = 99;

    assertThat(batcher.next().input(0, 0)).isZero();
  }

  @Test
  void badBatchSizeNamesTheField() {
    assertThatThrownBy(
            () ->
                TextBatcher.builder(positions(100), "ptb/train", 0, 35)
                    .fieldNames("child.batchSize", "child.bpttSteps")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("child.batchSize")
        .hasMessageContaining("got 0");
  }

  @Test
  void badSequenceLengthNamesTheField() {
    assertThatThrownBy(
            () ->
                TextBatcher.builder(positions(100), "ptb/train", 4, -1)
                    .fieldNames("child.batchSize", "child.bpttSteps")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("child.bpttSteps")
        .hasMessageContaining("sequence length")
        .hasMessageContaining("got -1");
    assertThatThrownBy(() -> TextBatcher.builder(positions(100), "ptb/train", 4, 0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("steps (the sequence length");
  }

  @Test
  void tooShortTextNamesTheCorpusAndTheNeed() {
    assertThatThrownBy(
            () ->
                TextBatcher.builder(positions(100), "sonnets/test", 4, 35)
                    .fieldNames("child.batchSize", "child.bpttSteps")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sonnets/test has 100 tokens")
        .hasMessageContaining("child.batchSize = 4")
        .hasMessageContaining("child.bpttSteps = 35")
        .hasMessageContaining("= 144 tokens");
  }

  @Test
  void tokenBatchChecksItsShape() {
    assertThatThrownBy(() -> new TokenBatch(new int[6], new int[5], 2, 3, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targets must hold 2 x 3");
    assertThatThrownBy(() -> new TokenBatch(new int[5], new int[6], 2, 3, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputs must hold 2 x 3");
    assertThatThrownBy(() -> new TokenBatch(new int[0], new int[0], 0, 3, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new TokenBatch(new int[6], new int[6], 2, 3, true).input(2, 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Property(tries = 300)
  void everyRowContinuesTheSameStreamAndTargetsAreTheNextTokens(
      @ForAll @IntRange(min = 1, max = 400) int length,
      @ForAll @IntRange(min = 1, max = 8) int batchSize,
      @ForAll @IntRange(min = 1, max = 12) int steps) {
    Assume.that(length >= (steps + 1) * batchSize);
    TextBatcher batcher = TextBatcher.builder(positions(length), "p", batchSize, steps).build();
    int streamLength = length / batchSize;

    List<TokenBatch> pass = drain(batcher);

    assertThat(pass).hasSize((streamLength - 1) / steps);
    // At most one window's worth of each stream is left out.
    assertThat(streamLength - 1 - pass.size() * steps).isBetween(0, steps - 1);
    for (int k = 0; k < pass.size(); k++) {
      TokenBatch batch = pass.get(k);
      assertThat(batch.startsPass()).isEqualTo(k == 0);
      for (int b = 0; b < batchSize; b++) {
        for (int t = 0; t < steps; t++) {
          int position = b * streamLength + k * steps + t;
          assertThat(batch.input(b, t)).isEqualTo(position);
          assertThat(batch.target(b, t)).isEqualTo(position + 1);
        }
        if (k > 0) {
          // The state a row ends window k-1 with belongs right before row b of window k.
          assertThat(batch.input(b, 0)).isEqualTo(pass.get(k - 1).target(b, steps - 1));
        }
      }
    }
  }

  private static List<TokenBatch> drain(TextBatcher batcher) {
    List<TokenBatch> batches = new ArrayList<>();
    while (batcher.hasNext()) {
      batches.add(batcher.next());
    }
    return batches;
  }
}
