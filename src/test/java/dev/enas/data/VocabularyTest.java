package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class VocabularyTest {

  @Test
  void ordersByDescendingCountThenByString() {
    Vocabulary vocabulary =
        Vocabulary.fromTokens(List.of("the", "cat", "the", "a", "a", "dog", "<eos>", "<eos>"));

    // Count 2: <eos>, a, the ('<' sorts before letters); count 1: cat, dog; <unk> added with count
    // 0.
    assertThat(vocabulary.words()).containsExactly("<eos>", "a", "the", "cat", "dog", "<unk>");
    assertThat(vocabulary.size()).isEqualTo(6);
    assertThat(vocabulary.eosId()).isZero();
    assertThat(vocabulary.unkId()).isEqualTo(5);
  }

  @Test
  void idsAreDenseAndRoundTrip() {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("x", "y", "y", "z", "<unk>", "<eos>"));

    for (int id = 0; id < vocabulary.size(); id++) {
      assertThat(vocabulary.id(vocabulary.word(id))).isEqualTo(id);
    }
    assertThat(vocabulary.words()).containsExactlyInAnyOrder("x", "y", "z", "<unk>", "<eos>");
    assertThatThrownBy(() -> vocabulary.word(vocabulary.size()))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void unknownWordsMapToUnk() {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("a", "b", "<eos>"));

    assertThat(vocabulary.id("never-seen")).isEqualTo(vocabulary.unkId());
    assertThat(vocabulary.id("A")).as("no case folding").isEqualTo(vocabulary.unkId());
    assertThat(vocabulary.contains("never-seen")).isFalse();
    assertThat(vocabulary.contains("a")).isTrue();
    assertThat(vocabulary.word(vocabulary.unkId())).isEqualTo(Vocabulary.UNK);
    assertThat(vocabulary.word(vocabulary.eosId())).isEqualTo(Vocabulary.EOS);
  }

  @Test
  void encodesAndDecodes() {
    Vocabulary vocabulary =
        Vocabulary.fromTokens(List.of("to", "be", "or", "not", "to", "be", "<eos>"));

    int[] ids = vocabulary.encode(List.of("to", "be", "or", "what", "<eos>"));

    assertThat(ids)
        .containsExactly(
            vocabulary.id("to"),
            vocabulary.id("be"),
            vocabulary.id("or"),
            vocabulary.unkId(),
            vocabulary.eosId());
    assertThat(vocabulary.decode(ids)).isEqualTo("to be or <unk> <eos>");
  }

  @Test
  void wordListIsUnmodifiable() {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("a"));

    assertThatThrownBy(() -> vocabulary.words().add("b"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void ofKeepsTheGivenOrder() {
    Vocabulary vocabulary = Vocabulary.of(List.of("z", "<unk>", "a", "<eos>"));

    assertThat(vocabulary.id("z")).isZero();
    assertThat(vocabulary.unkId()).isEqualTo(1);
    assertThat(vocabulary.eosId()).isEqualTo(3);
    assertThat(vocabulary).isEqualTo(Vocabulary.of(List.of("z", "<unk>", "a", "<eos>")));
  }

  @Test
  void ofRejectsListsThatCannotBeAVocabulary() {
    assertThatThrownBy(() -> Vocabulary.of(List.of("a", "<eos>")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing <unk>");
    assertThatThrownBy(() -> Vocabulary.of(List.of("<unk>", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing <eos>");
    assertThatThrownBy(() -> Vocabulary.of(List.of("<unk>", "<eos>", "a", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' appears twice");
    assertThatThrownBy(() -> Vocabulary.of(List.of("<unk>", "<eos>", "a b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whitespace");
    assertThatThrownBy(() -> Vocabulary.of(List.of("<unk>", "<eos>", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-empty");
  }

  @Property(tries = 200)
  void idsDependOnTheCountsNotOnTheTokenOrder(
      @ForAll @Size(max = 60) List<@AlphaChars @StringLength(min = 1, max = 3) String> tokens,
      @ForAll long seed) {
    List<String> shuffled = new ArrayList<>(tokens);
    Collections.shuffle(shuffled, new Random(seed));

    Vocabulary vocabulary = Vocabulary.fromTokens(tokens);

    assertThat(Vocabulary.fromTokens(shuffled)).isEqualTo(vocabulary);
    assertThat(vocabulary.words()).contains(Vocabulary.UNK, Vocabulary.EOS);
    // Counts never increase along the ids, and equal counts are in string order.
    for (int id = 1; id < vocabulary.size(); id++) {
      String before = vocabulary.word(id - 1);
      String word = vocabulary.word(id);
      int countBefore = Collections.frequency(tokens, before);
      int count = Collections.frequency(tokens, word);
      assertThat(countBefore).isGreaterThanOrEqualTo(count);
      if (countBefore == count) {
        assertThat(before).isLessThan(word);
      }
    }
  }
}
