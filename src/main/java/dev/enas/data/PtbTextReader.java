package dev.enas.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipException;

/**
 * Reads language-model text in the format of the Penn Treebank files of Mikolov et al.: UTF-8, one
 * sentence per line (lines end in LF or CR LF), tokens separated by whitespace, rare words already
 * replaced by {@code <unk>}. Blank lines are skipped and {@value Vocabulary#EOS} is appended to
 * every other line, so a model learns where sentences end. Tokens are taken as they are: no case
 * folding, no splitting. Files may be gzip-compressed; that is detected from their content.
 *
 * <p>The vocabulary comes from the training file alone; validation and test files are encoded with
 * it, their words outside it mapping to {@value Vocabulary#UNK}. Every failure names the file.
 */
public final class PtbTextReader {

  /** The setting that bounds the vocabulary, named in the error when a training file exceeds it. */
  public static final String MAX_VOCABULARY_FIELD = "languageModel.maxVocabulary";

  // Leaves headroom below the largest array the JVM will allocate.
  private static final int MAX_TOKENS = Integer.MAX_VALUE - 8;
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private PtbTextReader() {}

  /**
   * A training file encoded with the vocabulary built from it.
   *
   * @param ids one id per token, {@value Vocabulary#EOS} included; owned by the receiver, not
   *     copied
   */
  public record TrainingText(Vocabulary vocabulary, int[] ids) {

    /** Checks that every id lies in the vocabulary. */
    public TrainingText {
      Objects.requireNonNull(vocabulary, "vocabulary");
      Objects.requireNonNull(ids, "ids");
      checkIds(ids, vocabulary, "ids");
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof TrainingText t
          && vocabulary.equals(t.vocabulary)
          && Arrays.equals(ids, t.ids);
    }

    @Override
    public int hashCode() {
      return 31 * vocabulary.hashCode() + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
      return "TrainingText[" + ids.length + " tokens, " + vocabulary.size() + " words]";
    }
  }

  /** The tokens of {@code file}, with {@value Vocabulary#EOS} after each non-blank line. */
  public static List<String> readTokens(Path file) throws IOException {
    try (InputStream in = open(file, "PTB text file")) {
      return readTokens(in, file.toString());
    }
  }

  /**
   * The tokens of a stream, with {@value Vocabulary#EOS} after each non-blank line. {@code name}
   * stands for the file in error messages. The stream is closed on return.
   *
   * @throws DataFormatException if the text is not UTF-8 or holds no tokens
   */
  public static List<String> readTokens(InputStream in, String name) throws IOException {
    List<String> tokens = new ArrayList<>();
    scan(in, name, tokens::add);
    return tokens;
  }

  /**
   * Reads a training file, builds its vocabulary (see {@link Vocabulary}) and encodes the file with
   * it.
   *
   * @param maxVocabulary the largest vocabulary accepted, {@value Vocabulary#UNK} and {@value
   *     Vocabulary#EOS} included; the value of {@value #MAX_VOCABULARY_FIELD}
   * @throws DataFormatException if the text is not UTF-8, holds no tokens, or has more distinct
   *     words than {@code maxVocabulary}
   */
  public static TrainingText readTraining(Path file, int maxVocabulary) throws IOException {
    checkMaxVocabulary(maxVocabulary);
    try (InputStream in = open(file, "PTB training text")) {
      return readTraining(in, file.toString(), maxVocabulary);
    }
  }

  /**
   * {@link #readTraining(Path, int)} for a stream that {@code name} stands for; closes the stream.
   */
  public static TrainingText readTraining(InputStream in, String name, int maxVocabulary)
      throws IOException {
    checkMaxVocabulary(maxVocabulary);
    // One pass: tokens get provisional ids in order of first appearance while they are counted, and
    // are renumbered once the counts fix the final order. No list of a million strings is kept.
    Map<String, Integer> provisional = new HashMap<>();
    List<String> seen = new ArrayList<>();
    IntList counts = new IntList();
    IntList ids = new IntList();
    scan(
        in,
        name,
        token -> {
          Integer id = provisional.get(token);
          if (id == null) {
            id = seen.size();
            provisional.put(token, id);
            seen.add(token);
            counts.add(0);
          }
          counts.increment(id);
          ids.add(id);
        });
    Map<String, Integer> countsByWord = new HashMap<>(seen.size() * 2);
    for (int i = 0; i < seen.size(); i++) {
      countsByWord.put(seen.get(i), counts.get(i));
    }
    Vocabulary vocabulary = Vocabulary.fromCounts(countsByWord);
    if (vocabulary.size() > maxVocabulary) {
      throw new DataFormatException(
          name
              + ": the training text has a vocabulary of "
              + vocabulary.size()
              + " words ("
              + Vocabulary.UNK
              + " and "
              + Vocabulary.EOS
              + " included), more than "
              + MAX_VOCABULARY_FIELD
              + " = "
              + maxVocabulary
              + "; raise "
              + MAX_VOCABULARY_FIELD
              + " or replace rare words by "
              + Vocabulary.UNK
              + " beforehand, as the PTB files do");
    }
    int[] finalIds = new int[seen.size()];
    for (int i = 0; i < finalIds.length; i++) {
      finalIds[i] = vocabulary.id(seen.get(i));
    }
    int[] encoded = ids.toArray();
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = finalIds[encoded[i]];
    }
    return new TrainingText(vocabulary, encoded);
  }

  /**
   * Reads a validation or test file and encodes it with the training vocabulary; its words outside
   * the vocabulary become {@value Vocabulary#UNK}.
   *
   * @throws DataFormatException if the text is not UTF-8, holds no tokens, or all its words are
   *     unknown (which means it belongs to another corpus or another preprocessing)
   */
  public static int[] readHeldOut(Path file, Vocabulary vocabulary) throws IOException {
    try (InputStream in = open(file, "PTB held-out text")) {
      return readHeldOut(in, file.toString(), vocabulary);
    }
  }

  /**
   * {@link #readHeldOut(Path, Vocabulary)} for a stream that {@code name} stands for; closes it.
   */
  public static int[] readHeldOut(InputStream in, String name, Vocabulary vocabulary)
      throws IOException {
    Objects.requireNonNull(vocabulary, "vocabulary");
    IntList ids = new IntList();
    scan(in, name, token -> ids.add(vocabulary.id(token)));
    int[] encoded = ids.toArray();
    requireSomeKnownWord(encoded, vocabulary, name);
    return encoded;
  }

  private static InputStream open(Path file, String role) throws IOException {
    if (Files.isDirectory(file)) {
      throw new DataFormatException(file + ": expected a " + role + ", found a folder");
    }
    return DataFiles.open(file, role);
  }

  private static void checkMaxVocabulary(int maxVocabulary) {
    if (maxVocabulary < 2) {
      throw new IllegalArgumentException(
          MAX_VOCABULARY_FIELD
              + " must be >= 2 to hold "
              + Vocabulary.UNK
              + " and "
              + Vocabulary.EOS
              + ", got "
              + maxVocabulary);
    }
  }

  private interface TokenSink {
    void accept(String token);
  }

  private static long emit(TokenSink sink, String token, long tokens, String name, long lineNumber)
      throws DataFormatException {
    if (tokens >= MAX_TOKENS) {
      throw new DataFormatException(
          name + ": expected at most " + MAX_TOKENS + " tokens, found more by line " + lineNumber);
    }
    sink.accept(token);
    return tokens + 1;
  }

  /** Feeds every token of the text to {@code sink}, and {@value Vocabulary#EOS} after each line. */
  private static void scan(InputStream in, String name, TokenSink sink) throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(name, "name");
    long tokens = 0;
    long lineNumber = 0;
    // The outer resource closes the caller's stream also when the gzip header is already broken.
    try (InputStream source = in;
        InputStream data = DataFiles.decompressed(source, name)) {
      Lines lines = new Lines(data);
      String line;
      while ((line = readLine(lines, name, lineNumber + 1)) != null) {
        lineNumber++;
        if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
          line = line.substring(1);
        }
        int onLine = 0;
        int i = 0;
        int length = line.length();
        while (i < length) {
          while (i < length && Character.isWhitespace(line.charAt(i))) {
            i++;
          }
          int start = i;
          while (i < length && !Character.isWhitespace(line.charAt(i))) {
            i++;
          }
          if (i > start) {
            tokens = emit(sink, line.substring(start, i), tokens, name, lineNumber);
            onLine++;
          }
        }
        if (onLine > 0) {
          tokens = emit(sink, Vocabulary.EOS, tokens, name, lineNumber);
        }
      }
    }
    if (tokens == 0) {
      throw new DataFormatException(
          name
              + ": expected text with one sentence per line, found no tokens in "
              + lineNumber
              + " line(s)");
    }
  }

  private static String readLine(Lines lines, String name, long lineNumber) throws IOException {
    try {
      return lines.next();
    } catch (CharacterCodingException e) {
      throw new DataFormatException(
          name + ": expected UTF-8 text, found bytes that are not UTF-8 on line " + lineNumber, e);
    } catch (ZipException | EOFException e) {
      // Only the gzip layer throws these; a plain file just ends.
      throw DataFiles.corruptGzip(name, e);
    }
  }

  /**
   * Lines ending in LF or CR LF, each decoded on its own: a reader decoding ahead in blocks would
   * report a bad byte on the line where its block began, not on the line that holds it. The decoder
   * reports malformed input instead of replacing it, so a binary or Latin-1 file fails with its
   * name rather than turning into a vocabulary of replacement characters.
   */
  private static final class Lines {
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    private byte[] buffer = new byte[256];

    Lines(InputStream in) {
      this.in = in;
    }

    /** The next line without its line break, or null at the end of the text. */
    String next() throws IOException {
      int length = 0;
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        if (length == buffer.length) {
          buffer = Arrays.copyOf(buffer, Math.multiplyExact(buffer.length, 2));
        }
        buffer[length++] = (byte) b;
      }
      if (b == -1 && length == 0) {
        return null;
      }
      if (length > 0 && buffer[length - 1] == '\r') {
        length--;
      }
      return decoder.decode(ByteBuffer.wrap(buffer, 0, length)).toString();
    }
  }

  private static void requireSomeKnownWord(int[] ids, Vocabulary vocabulary, String name)
      throws DataFormatException {
    int words = 0;
    for (int id : ids) {
      if (id == vocabulary.eosId()) {
        continue;
      }
      if (id != vocabulary.unkId()) {
        return;
      }
      words++;
    }
    if (words > 0) {
      throw new DataFormatException(
          name
              + ": all "
              + words
              + " words are unknown (map to "
              + Vocabulary.UNK
              + "), none is among the "
              + vocabulary.size()
              + " words of the training vocabulary; expected text"
              + " from the same corpus and preprocessing as the training file");
    }
  }

  static void checkIds(int[] ids, Vocabulary vocabulary, String what) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabulary.size()) {
        throw new IllegalArgumentException(
            what
                + "["
                + i
                + "] = "
                + ids[i]
                + " is not an id of a vocabulary of "
                + vocabulary.size()
                + " words");
      }
    }
  }

  /** A growable int array, so a million token ids are not boxed into Integers. */
  private static final class IntList {
    private int[] values = new int[1024];
    private int size;

    void add(int value) {
      if (size == values.length) {
        // scan() stops at MAX_TOKENS, so the capped growth always leaves room.
        values = Arrays.copyOf(values, (int) Math.min(MAX_TOKENS, 2L * values.length));
      }
      values[size++] = value;
    }

    int get(int index) {
      return values[index];
    }

    void increment(int index) {
      values[index]++;
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
