package dev.enas.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A language-model corpus: the vocabulary of its training text and the token ids of its three
 * parts, each a single stream with {@value Vocabulary#EOS} between sentences. The controller of the
 * recurrent search space is rewarded on {@code validation}; {@code test} is for the final
 * evaluation only.
 *
 * <p>The arrays are copied in and out, so a corpus is immutable and may be shared between threads;
 * {@link TextBatcher#builder(TextCorpus, Split, int, int)} reads a part without the copy.
 *
 * @param name for logs and error messages, e.g. the folder the files came from
 * @param vocabulary built from the training part alone
 * @param train token ids of the training text, at least one
 * @param validation token ids of the validation text, at least one
 * @param test token ids of the test text, at least one
 */
public record TextCorpus(
    String name, Vocabulary vocabulary, int[] train, int[] validation, int[] test) {

  /** The file names of a corpus folder, in the order train, validation, test. */
  private static final List<List<String>> LAYOUTS =
      List.of(
          List.of("train.txt", "valid.txt", "test.txt"),
          List.of("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"));

  /** The three parts of a corpus. */
  public enum Split {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String label;

    Split(String label) {
      this.label = label;
    }

    /** Lower-case name, as used in data set names such as {@code ptb/validation}. */
    public String label() {
      return label;
    }
  }

  /**
   * Checks that every part is non-empty and holds only ids of the vocabulary; copies the arrays.
   */
  public TextCorpus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(vocabulary, "vocabulary");
    train = checkedCopy(train, vocabulary, "train");
    validation = checkedCopy(validation, vocabulary, "validation");
    test = checkedCopy(test, vocabulary, "test");
  }

  /**
   * Reads a corpus folder holding either {@code train.txt valid.txt test.txt} or the names of the
   * Mikolov PTB distribution, {@code ptb.train.txt ptb.valid.txt ptb.test.txt}; with both sets
   * present the first wins. The corpus is named after the folder. The file format is described in
   * {@link PtbTextReader}.
   *
   * @param maxVocabulary the largest training vocabulary accepted ({@value
   *     PtbTextReader#MAX_VOCABULARY_FIELD})
   * @throws NoSuchFileException if the folder does not exist or holds neither set of names
   * @throws NotDirectoryException if {@code dir} is a file
   * @throws DataFormatException if a file is not valid text, is empty, exceeds the vocabulary bound
   *     or, for validation and test, consists of unknown words only
   */
  public static TextCorpus read(Path dir, int maxVocabulary) throws IOException {
    Objects.requireNonNull(dir, "dir");
    if (!Files.exists(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "text corpus folder not found");
    }
    if (!Files.isDirectory(dir)) {
      throw new NotDirectoryException(dir + ": expected a text corpus folder, found a file");
    }
    List<String> names = layout(dir);
    Path trainFile = dir.resolve(names.get(0));
    Path validationFile = dir.resolve(names.get(1));
    Path testFile = dir.resolve(names.get(2));
    PtbTextReader.TrainingText train = PtbTextReader.readTraining(trainFile, maxVocabulary);
    int[] validation = PtbTextReader.readHeldOut(validationFile, train.vocabulary());
    int[] test = PtbTextReader.readHeldOut(testFile, train.vocabulary());
    Path folderName = dir.toAbsolutePath().normalize().getFileName();
    String name = folderName != null ? folderName.toString() : dir.toString();
    return new TextCorpus(name, train.vocabulary(), train.ids(), validation, test);
  }

  /**
   * Reads a corpus from three streams, for classpath resources and other sources without a folder.
   * The file names stand for the streams in error messages. All three streams are closed on return,
   * also when reading one of them fails.
   */
  public static TextCorpus read(
      String name,
      InputStream train,
      String trainName,
      InputStream validation,
      String validationName,
      InputStream test,
      String testName,
      int maxVocabulary)
      throws IOException {
    try (InputStream trainStream = train;
        InputStream validationStream = validation;
        InputStream testStream = test) {
      PtbTextReader.TrainingText trainText =
          PtbTextReader.readTraining(trainStream, trainName, maxVocabulary);
      Vocabulary vocabulary = trainText.vocabulary();
      int[] validationIds = PtbTextReader.readHeldOut(validationStream, validationName, vocabulary);
      int[] testIds = PtbTextReader.readHeldOut(testStream, testName, vocabulary);
      return new TextCorpus(name, vocabulary, trainText.ids(), validationIds, testIds);
    }
  }

  private static List<String> layout(Path dir) throws IOException {
    for (List<String> names : LAYOUTS) {
      if (names.stream().allMatch(n -> Files.isRegularFile(dir.resolve(n)))) {
        return names;
      }
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> String.valueOf(p.getFileName())).sorted().limit(20).forEach(found::add);
    }
    throw new NoSuchFileException(
        dir.toString(),
        null,
        "expected a text corpus folder with "
            + String.join(" ", LAYOUTS.get(0))
            + " or "
            + String.join(" ", LAYOUTS.get(1))
            + ", found "
            + (found.isEmpty() ? "an empty folder" : String.join(" ", found)));
  }

  private static int[] checkedCopy(int[] ids, Vocabulary vocabulary, String part) {
    Objects.requireNonNull(ids, part);
    if (ids.length == 0) {
      throw new IllegalArgumentException(part + " must hold at least one token");
    }
    PtbTextReader.checkIds(ids, vocabulary, part);
    return ids.clone();
  }

  /** A copy of the training token ids. */
  @Override
  public int[] train() {
    return train.clone();
  }

  /** A copy of the validation token ids. */
  @Override
  public int[] validation() {
    return validation.clone();
  }

  /** A copy of the test token ids. */
  @Override
  public int[] test() {
    return test.clone();
  }

  /** A copy of one part's token ids. */
  public int[] tokens(Split split) {
    return array(split).clone();
  }

  /** Number of tokens in one part, {@value Vocabulary#EOS} included. */
  public int size(Split split) {
    return array(split).length;
  }

  /** The share of one part's tokens that are {@value Vocabulary#UNK}, in 0..1. */
  public double unknownRate(Split split) {
    int[] ids = array(split);
    int unknown = 0;
    for (int id : ids) {
      if (id == vocabulary.unkId()) {
        unknown++;
      }
    }
    return (double) unknown / ids.length;
  }

  /** The part itself, not a copy: for readers in this package that promise not to write to it. */
  int[] array(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case VALIDATION -> validation;
      case TEST -> test;
    };
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TextCorpus c
        && name.equals(c.name)
        && vocabulary.equals(c.vocabulary)
        && Arrays.equals(train, c.train)
        && Arrays.equals(validation, c.validation)
        && Arrays.equals(test, c.test);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        vocabulary,
        Arrays.hashCode(train),
        Arrays.hashCode(validation),
        Arrays.hashCode(test));
  }

  @Override
  public String toString() {
    return "TextCorpus["
        + name
        + ": "
        + vocabulary.size()
        + " words; "
        + train.length
        + " / "
        + validation.length
        + " / "
        + test.length
        + " tokens]";
  }
}
