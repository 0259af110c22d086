package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtbTextReaderTest {

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void appendsEosToEveryLineAndSkipsBlankLines() throws IOException {
    Path file = write("text.txt", " the cat sat \n\n   \n\ton  the\tmat\r\nend");

    assertThat(PtbTextReader.readTokens(file))
        .containsExactly("the", "cat", "sat", "<eos>", "on", "the", "mat", "<eos>", "end", "<eos>");
  }

  @Test
  void keepsTokensAsTheyAre() throws IOException {
    // PTB files are lower case and split already; the reader must not second-guess them.
    assertThat(PtbTextReader.readTokens(stream("The cat's N <unk> $ 3.5\n"), "s"))
        .containsExactly("The", "cat's", "N", "<unk>", "$", "3.5", "<eos>");
  }

  @Test
  void readsLinesLongerThanAnyBuffer() throws IOException {
    String line = "w ".repeat(5_000);

    assertThat(PtbTextReader.readTokens(stream(line + "\n" + line), "long")).hasSize(2 * 5_001);
  }

  @Test
  void ignoresAByteOrderMark() throws IOException {
    assertThat(PtbTextReader.readTokens(stream("\uFEFFa b\n"), "bom"))
        .containsExactly("a", "b", "<eos>");
  }

  @Test
  void readsGzipByContent() throws IOException {
    byte[] text = "a b\nb c\n".getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("ptb.train.txt"), IdxBytes.gzip(text));

    assertThat(PtbTextReader.readTokens(file))
        .containsExactly("a", "b", "<eos>", "b", "c", "<eos>");
  }

  @Test
  void trainingTextIsEncodedWithItsOwnVocabulary() throws IOException {
    Path file = write("train.txt", "a b a\nc <unk> a\n");

    PtbTextReader.TrainingText text = PtbTextReader.readTraining(file, 100);

    // Counts: a 3, <eos> 2, <unk> 1, b 1, c 1; the file's own <unk> is counted like any word.
    assertThat(text.vocabulary().words()).containsExactly("a", "<eos>", "<unk>", "b", "c");
    assertThat(text.ids()).containsExactly(0, 3, 0, 1, 4, 2, 0, 1);
    assertThat(text.vocabulary().decode(text.ids())).isEqualTo("a b a <eos> c <unk> a <eos>");
  }

  @Test
  void trainingReadsAreDeterministic() throws IOException {
    String text = "z y x\nx y\nw\n";

    PtbTextReader.TrainingText first = PtbTextReader.readTraining(stream(text), "one", 100);
    PtbTextReader.TrainingText second = PtbTextReader.readTraining(stream(text), "two", 100);

    assertThat(second).isEqualTo(first);
    assertThat(first.vocabulary().words()).containsExactly("<eos>", "x", "y", "w", "z", "<unk>");
  }

  @Test
  void heldOutWordsOutsideTheVocabularyBecomeUnk() throws IOException {
    Vocabulary vocabulary =
        PtbTextReader.readTraining(stream("the cat sat\n"), "train", 100).vocabulary();

    int[] ids =
        PtbTextReader.readHeldOut(write("valid.txt", "the dog sat\n\nthe <unk>\n"), vocabulary);

    assertThat(vocabulary.decode(ids)).isEqualTo("the <unk> sat <eos> the <unk> <eos>");
  }

  @Test
  void vocabularyExactlyAtTheBoundIsAccepted() throws IOException {
    // a, b, <eos>, <unk>: four words.
    assertThat(PtbTextReader.readTraining(stream("a b\n"), "train", 4).vocabulary().size())
        .isEqualTo(4);
  }

  @Test
  void vocabularyAboveTheBoundNamesFileFieldBoundAndSize() throws IOException {
    Path file = write("ptb.train.txt", "a b c\nd e\n");

    assertThatThrownBy(() -> PtbTextReader.readTraining(file, 6))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("languageModel.maxVocabulary = 6")
        .hasMessageContaining("vocabulary of 7 words");
  }

  @Test
  void rejectsABoundTooSmallForTheSpecialWords() {
    assertThatThrownBy(() -> PtbTextReader.readTraining(stream("a\n"), "train", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("languageModel.maxVocabulary must be >= 2");
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("ptb.valid.txt");

    assertThatThrownBy(() -> PtbTextReader.readTokens(missing))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> PtbTextReader.readTraining(missing, 100))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void folderInPlaceOfAFileIsNamed() throws IOException {
    Path folder = Files.createDirectory(dir.resolve("train.txt"));

    assertThatThrownBy(() -> PtbTextReader.readTraining(folder, 100))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(folder.toString())
        .hasMessageContaining("found a folder");
  }

  @Test
  void emptyFileIsNamed() throws IOException {
    Path file = write("test.txt", "");

    assertThatThrownBy(() -> PtbTextReader.readTokens(file))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("no tokens");
  }

  @Test
  void fileOfBlankLinesIsEmpty() throws IOException {
    Path file = write("valid.txt", "\n  \n\t\n");
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("a"));

    assertThatThrownBy(() -> PtbTextReader.readHeldOut(file, vocabulary))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("no tokens in 3 line(s)");
  }

  @Test
  void heldOutFileOfUnknownWordsOnlyIsNamed() throws IOException {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("the", "cat", "<eos>"));
    Path file = write("ptb.test.txt", "le chat\n<unk> noir\n");

    assertThatThrownBy(() -> PtbTextReader.readHeldOut(file, vocabulary))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("all 4 words are unknown");
  }

  @Test
  void oneKnownWordIsEnoughForAHeldOutFile() throws IOException {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("the", "cat", "<eos>"));

    int[] ids = PtbTextReader.readHeldOut(stream("le chat\nthe\n"), "valid", vocabulary);

    assertThat(ids).hasSize(5);
  }

  @Test
  void textThatIsNotUtf8IsNamedWithItsLine() throws IOException {
    byte[] latin1 = "ok\nna\u00efve\n".getBytes(StandardCharsets.ISO_8859_1);
    Path file = Files.write(dir.resolve("train.txt"), latin1);

    assertThatThrownBy(() -> PtbTextReader.readTraining(file, 100))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not UTF-8 on line 2");
  }

  @Test
  void truncatedGzipIsNamed() throws IOException {
    byte[] gzip = IdxBytes.gzip("a b c d e f g\n".repeat(200).getBytes(StandardCharsets.UTF_8));
    Path file = Files.write(dir.resolve("train.txt.gz"), Arrays.copyOf(gzip, gzip.length / 2));

    assertThatThrownBy(() -> PtbTextReader.readTraining(file, 100))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("gzip");
  }
}
