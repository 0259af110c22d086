package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.enas.spec.DataSpec;
import dev.enas.train.SearchData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-set references stay inside their roots: traversal, absolute paths, links that leave a root
 * and files given for folders are refused, and no message shows a server path.
 */
class DataRootsTest {
  @TempDir Path temp;
  private Path root;
  private Path outside;
  private DataRoots roots;

  @BeforeEach
  void layout() throws IOException {
    root = Files.createDirectories(temp.resolve("root"));
    outside = Files.createDirectories(temp.resolve("secret-place"));
    Files.writeString(outside.resolve("train.txt"), "private words of another user\n");
    Files.writeString(outside.resolve("valid.txt"), "private words\n");
    Files.writeString(outside.resolve("test.txt"), "private words\n");
    Files.createDirectories(root.resolve("corpora/small"));
    Files.writeString(root.resolve("corpora/small/train.txt"), "a b c a b\n");
    Files.writeString(root.resolve("corpora/small/valid.txt"), "a b\n");
    Files.writeString(root.resolve("corpora/small/test.txt"), "b c\n");
    Files.writeString(root.resolve("afile"), "not a folder\n");
    Files.createSymbolicLink(root.resolve("escape"), outside);
    Files.createDirectories(root.resolve("inside-link-target"));
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("corpora/small"));
    Path leaky = Files.createDirectories(root.resolve("leaky"));
    Files.createSymbolicLink(leaky.resolve("train.txt"), outside.resolve("train.txt"));
    Files.writeString(leaky.resolve("valid.txt"), "a\n");
    Files.writeString(leaky.resolve("test.txt"), "a\n");
    roots = DataRoots.of(List.of(temp.resolve("missing-root"), root));
  }

  @Test
  void aRelativeFolderResolvesInsideItsRoot() throws IOException {
    DataFolder folder = roots.folder("corpora/small");
    assertThat(folder.dir()).isEqualTo(root.resolve("corpora/small").toRealPath());
    // A link that stays inside the root is just another name.
    assertThat(roots.folder("alias").dir()).isEqualTo(folder.dir());
  }

  @Test
  void traversalAbsolutePathsLinksOutAndFilesAreRefusedWithoutServerPaths() {
    List<String> refused =
        List.of(
            "/etc",
            outside.toString(),
            "../secret-place",
            "corpora/../../secret-place",
            "..",
            ".",
            "corpora/./small",
            "escape",
            "afile",
            "nowhere",
            "~root",
            "C:/windows",
            "a\\..\\b",
            "",
            ".hidden",
            "corpora//small",
            "x".repeat(300));
    for (String name : refused) {
      Throwable e = catchThrowable(() -> roots.folder(name));
      assertThat(e).as(name).isInstanceOf(DataAccessException.class);
      assertThat(e.getMessage())
          .as(name)
          .doesNotContain(temp.toString())
          .doesNotContain("train.txt");
    }
    assertThat(catchThrowable(() -> roots.folder("afile"))).hasMessageContaining("is a file");
    assertThat(catchThrowable(() -> roots.folder("escape"))).hasMessageContaining("outside");
    assertThat(catchThrowable(() -> roots.folder("/etc"))).hasMessageContaining("absolute");
    assertThat(catchThrowable(() -> roots.folder("../x"))).hasMessageContaining("'..'");
  }

  @Test
  void noRootsAllowNoFolder() {
    assertThatThrownBy(() -> DataRoots.none().folder("corpora/small"))
        .isInstanceOf(DataAccessException.class);
  }

  @Test
  void aFileLinkedOutOfTheRootIsNotRead() {
    Throwable confined =
        catchThrowable(
            () -> SearchData.load(withData("rnn", new DataSpec("ptb:leaky", 0.1, 0)), roots));
    assertThat(confined)
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("leaky/train.txt")
        .hasMessageContaining("outside")
        .hasMessageNotContaining(temp.toString());
  }

  @Test
  void loadFailuresNameTheFileRelativeToTheRootAndListNothing() throws IOException {
    Files.createDirectories(root.resolve("digits"));
    Files.write(
        root.resolve("digits/train-images-idx3-ubyte"),
        IdxBytes.withMagic(0x1234, new byte[0], 0, 28, 28));
    Files.write(root.resolve("digits/train-labels-idx1-ubyte"), IdxBytes.labels(0, new byte[0]));
    Files.createDirectories(root.resolve("halfcorpus"));
    Files.writeString(root.resolve("halfcorpus/train.txt"), "a b\n");
    Files.writeString(root.resolve("halfcorpus/notes-of-the-admin.txt"), "x\n");

    Throwable malformed =
        catchThrowable(
            () -> SearchData.load(withData("macro", new DataSpec("idx:digits", 0.1, 0)), roots));
    assertThat(malformed)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("digits/train-images-idx3-ubyte")
        .hasMessageContaining("magic")
        .hasMessageNotContaining(temp.toString());

    Throwable missing =
        catchThrowable(
            () -> SearchData.load(withData("rnn", new DataSpec("ptb:halfcorpus", 0.1, 0)), roots));
    assertThat(missing)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("halfcorpus/ptb.train.txt")
        .hasMessageNotContaining("notes-of-the-admin")
        .hasMessageNotContaining(temp.toString());
  }

  private static dev.enas.spec.SearchSpec withData(String kind, DataSpec data) {
    dev.enas.spec.SearchSpec s = dev.enas.spec.SearchSpec.smoke(kind, 2);
    return new dev.enas.spec.SearchSpec(
        s.space(),
        data,
        s.child(),
        s.shared(),
        s.controller(),
        s.derive(),
        s.retrain(),
        s.seed(),
        s.languageModel());
  }

  @Test
  void theListingNamesDataSetsInsideTheRootsOnly() throws IOException {
    Files.createDirectories(root.resolve("mnist"));
    Files.write(root.resolve("mnist/train-images-idx3-ubyte.gz"), new byte[] {1});
    assertThat(roots.list())
        .extracting(DataRoots.Listed::reference)
        .containsExactly("idx:mnist", "ptb:alias", "ptb:corpora/small");
    assertThat(roots.list())
        .filteredOn(l -> l.reference().equals("ptb:corpora/small"))
        .extracting(l -> l.kind().text())
        .containsExactly(true);
    assertThat(DataRoots.unconfined().list()).isEmpty();
  }
}
