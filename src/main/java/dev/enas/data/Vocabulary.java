package dev.enas.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The words a language model can predict, each with a dense id in {@code 0..size()-1}. It always
 * holds the unknown word {@value #UNK}, which stands for every word outside it, and the
 * end-of-sentence token {@value #EOS}.
 *
 * <p>Built from training text, ids follow the word counts: the most frequent word gets id 0, ties
 * go to the word that comes first in {@link String#compareTo} order. The ids therefore depend only
 * on the text, never on hash order, so a saved model's output layer lines up with a vocabulary
 * rebuilt from the same file. Immutable and safe to share between threads.
 */
public final class Vocabulary {

  /** The word that every word outside the vocabulary maps to. */
  public static final String UNK = "<unk>";

  /** The token that ends every sentence (line) of the text. */
  public static final String EOS = "<eos>";

  private final List<String> words;
  private final Map<String, Integer> ids;
  private final int unkId;
  private final int eosId;

  private Vocabulary(List<String> words) {
    this.words = List.copyOf(words);
    this.ids = new HashMap<>(words.size() * 2);
    for (int id = 0; id < this.words.size(); id++) {
      String word = this.words.get(id);
      if (word.isEmpty() || hasWhitespace(word)) {
        throw new IllegalArgumentException(
            "word " + id + " must be non-empty and free of whitespace, got '" + word + "'");
      }
      if (ids.putIfAbsent(word, id) != null) {
        throw new IllegalArgumentException(
            "word '" + word + "' appears twice, at ids " + ids.get(word) + " and " + id);
      }
    }
    Integer unk = ids.get(UNK);
    Integer eos = ids.get(EOS);
    if (unk == null || eos == null) {
      throw new IllegalArgumentException(
          "a vocabulary must contain "
              + UNK
              + " and "
              + EOS
              + ", missing "
              + (unk == null ? UNK : EOS));
    }
    this.unkId = unk;
    this.eosId = eos;
  }

  /**
   * The vocabulary with exactly these words, the word at position i getting id i; for restoring a
   * vocabulary that was saved beside a model.
   *
   * @throws IllegalArgumentException if a word repeats, is empty or contains whitespace, or if
   *     {@value #UNK} or {@value #EOS} is missing
   */
  public static Vocabulary of(List<String> words) {
    Objects.requireNonNull(words, "words");
    return new Vocabulary(words);
  }

  /**
   * Every distinct word of {@code tokens}, ordered by descending count and then by string order.
   * The tokens are taken as they are: add {@value #EOS} at sentence ends before calling. {@value
   * #UNK} and {@value #EOS} are added with count 0 when the tokens lack them.
   */
  public static Vocabulary fromTokens(Collection<String> tokens) {
    Map<String, Integer> counts = new HashMap<>();
    for (String token : tokens) {
      counts.merge(token, 1, Integer::sum);
    }
    return fromCounts(counts);
  }

  /**
   * The vocabulary of the words counted in {@code counts}, ordered by descending count and then by
   * string order; the reader counts while it streams a file and builds the result here.
   */
  static Vocabulary fromCounts(Map<String, Integer> counts) {
    Map<String, Integer> all = new HashMap<>(counts);
    all.putIfAbsent(UNK, 0);
    all.putIfAbsent(EOS, 0);
    List<String> sorted = new ArrayList<>(all.keySet());
    sorted.sort(
        Comparator.comparing((String word) -> all.get(word))
            .reversed()
            .thenComparing(Comparator.naturalOrder()));
    return new Vocabulary(sorted);
  }

  /** The id of {@code word}, or {@link #unkId()} if the word is not in the vocabulary. */
  public int id(String word) {
    return ids.getOrDefault(word, unkId);
  }

  /** Whether {@code word} has an id of its own rather than mapping to {@value #UNK}. */
  public boolean contains(String word) {
    return ids.containsKey(word);
  }

  /**
   * The word with this id.
   *
   * @throws IndexOutOfBoundsException if the id is outside {@code 0..size()-1}
   */
  public String word(int id) {
    return words.get(id);
  }

  /** Number of words, {@value #UNK} and {@value #EOS} included. */
  public int size() {
    return words.size();
  }

  /** All words in id order; unmodifiable. */
  public List<String> words() {
    return words;
  }

  public int unkId() {
    return unkId;
  }

  public int eosId() {
    return eosId;
  }

  /** The ids of {@code tokens}, unknown words mapped to {@link #unkId()}. */
  public int[] encode(List<String> tokens) {
    int[] encoded = new int[tokens.size()];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = id(tokens.get(i));
    }
    return encoded;
  }

  /** The words of {@code ids}, joined by single spaces; for reading samples and debugging. */
  public String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    for (int id : ids) {
      if (!text.isEmpty()) {
        text.append(' ');
      }
      text.append(word(id));
    }
    return text.toString();
  }

  private static boolean hasWhitespace(String word) {
    for (int i = 0; i < word.length(); i++) {
      if (Character.isWhitespace(word.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Vocabulary v && words.equals(v.words);
  }

  @Override
  public int hashCode() {
    return words.hashCode();
  }

  @Override
  public String toString() {
    return "Vocabulary[" + words.size() + " words]";
  }
}
