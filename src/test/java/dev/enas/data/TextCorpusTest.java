package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {

  @TempDir Path root;

  private Path folder(String name, String... namesAndTexts) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    for (int i = 0; i < namesAndTexts.length; i += 2) {
      Files.writeString(dir.resolve(namesAndTexts[i]), namesAndTexts[i + 1]);
    }
    return dir;
  }

  @Test
  void readsAFolderWithPlainNames() throws IOException {
    Path dir = folder("tiny", "train.txt", "a b a\nb c\n", "valid.txt", "a d\n", "test.txt", "c\n");

    TextCorpus corpus = TextCorpus.read(dir, 100);

    assertThat(corpus.name()).isEqualTo("tiny");
    assertThat(corpus.vocabulary().words()).containsExactly("<eos>", "a", "b", "c", "<unk>");
    assertThat(corpus.vocabulary().decode(corpus.train())).isEqualTo("a b a <eos> b c <eos>");
    assertThat(corpus.vocabulary().decode(corpus.validation())).isEqualTo("a <unk> <eos>");
    assertThat(corpus.vocabulary().decode(corpus.test())).isEqualTo("c <eos>");
    assertThat(corpus.size(TextCorpus.Split.TRAIN)).isEqualTo(7);
    assertThat(corpus.unknownRate(TextCorpus.Split.VALIDATION)).isEqualTo(1.0 / 3);
  }

  @Test
  void readsAFolderWithThePtbNames() throws IOException {
    Path dir =
        folder(
            "ptb", "ptb.train.txt", " x y \n", "ptb.valid.txt", " y \n", "ptb.test.txt", " x \n");

    TextCorpus corpus = TextCorpus.read(dir, 100);

    assertThat(corpus.vocabulary().decode(corpus.tokens(TextCorpus.Split.TEST)))
        .isEqualTo("x <eos>");
  }

  @Test
  void plainNamesWinWhenBothSetsArePresent() throws IOException {
    Path dir =
        folder(
            "both",
            "train.txt",
            "plain\n",
            "valid.txt",
            "plain\n",
            "test.txt",
            "plain\n",
            "ptb.train.txt",
            "ptb\n",
            "ptb.valid.txt",
            "ptb\n",
            "ptb.test.txt",
            "ptb\n");

    assertThat(TextCorpus.read(dir, 100).vocabulary().contains("plain")).isTrue();
  }

  @Test
  void folderWithoutEitherSetNamesTheFolderAndTheExpectedFiles() throws IOException {
    Path dir = folder("partial", "train.txt", "a\n", "valid.txt", "a\n", "ptb.test.txt", "a\n");

    assertThatThrownBy(() -> TextCorpus.read(dir, 100))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining(
            "train.txt valid.txt test.txt or ptb.train.txt ptb.valid.txt ptb.test.txt")
        .hasMessageContaining("found ptb.test.txt train.txt valid.txt");
  }

  @Test
  void missingFolderIsNamed() {
    Path dir = root.resolve("nowhere");

    assertThatThrownBy(() -> TextCorpus.read(dir, 100))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("folder not found");
  }

  @Test
  void fileInPlaceOfTheFolderIsNamed() throws IOException {
    Path file = Files.writeString(root.resolve("ptb.train.txt"), "a\n");

    assertThatThrownBy(() -> TextCorpus.read(file, 100))
        .isInstanceOf(NotDirectoryException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void errorsInOnePartNameThatFile() throws IOException {
    Path dir =
        folder(
            "french", "train.txt", "the cat\n", "valid.txt", "the dog\n", "test.txt", "le chat\n");

    assertThatThrownBy(() -> TextCorpus.read(dir, 100))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(dir.resolve("test.txt").toString())
        .hasMessageContaining("unknown");
  }

  @Test
  void vocabularyBoundAppliesToTheTrainingFile() throws IOException {
    Path dir = folder("big", "train.txt", "a b c d\n", "valid.txt", "a\n", "test.txt", "a\n");

    assertThatThrownBy(() -> TextCorpus.read(dir, 5))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(dir.resolve("train.txt").toString())
        .hasMessageContaining("languageModel.maxVocabulary = 5");
  }

  @Test
  void readsFromStreamsAndClosesThem() throws IOException {
    ClosingStream train = new ClosingStream("a b\n");
    ClosingStream validation = new ClosingStream("b\n");
    ClosingStream test = new ClosingStream("zzz\n");

    assertThatThrownBy(
            () ->
                TextCorpus.read(
                    "s", train, "res:train", validation, "res:valid", test, "res:test", 100))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("res:test");
    assertThat(List.of(train.closed, validation.closed, test.closed)).containsOnly(true);
  }

  @Test
  void isImmutable() throws IOException {
    TextCorpus corpus =
        TextCorpus.read(
            folder("c", "train.txt", "a b\n", "valid.txt", "a\n", "test.txt", "b\n"), 100);
    int[] ids = corpus.train();
    int first = ids[0];

    ids[0] = first + 1;

    assertThat(corpus.train()[0]).isEqualTo(first);
  }

  @Test
  void rejectsIdsOutsideTheVocabularyAndEmptyParts() {
    Vocabulary vocabulary = Vocabulary.fromTokens(List.of("a"));

    assertThatThrownBy(
            () -> new TextCorpus("c", vocabulary, new int[] {0, 3}, new int[] {0}, new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("train[1] = 3");
    assertThatThrownBy(
            () -> new TextCorpus("c", vocabulary, new int[] {0}, new int[0], new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validation");
  }

  private static final class ClosingStream extends ByteArrayInputStream {
    boolean closed;

    ClosingStream(String text) {
      super(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      closed = true;
      super.close();
    }
  }
}
