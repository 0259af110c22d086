package dev.enas.train;

import dev.enas.data.Augmentation;
import dev.enas.data.Cifar10Reader;
import dev.enas.data.DataFolder;
import dev.enas.data.DataRoots;
import dev.enas.data.EmbeddedData;
import dev.enas.data.IdxReader;
import dev.enas.data.ImageDataset;
import dev.enas.data.Normalization;
import dev.enas.data.StratifiedSplit;
import dev.enas.data.TextCorpus;
import dev.enas.spec.DataSpec;
import dev.enas.spec.LanguageModelSpec;
import dev.enas.spec.SearchSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The three disjoint parts a search uses: the training split (shared weights and retraining), the
 * validation split (rewards and derivation), and the test set, which only the final evaluation
 * reads. For images the validation split is carved out of the training data and normalisation comes
 * from the training split alone; a text corpus (the rnn space) brings its own three files and its
 * vocabulary, and the image components are null.
 */
public record SearchData(
    ImageDataset train,
    ImageDataset validation,
    ImageDataset test,
    Normalization normalization,
    Augmentation augmentation,
    TextCorpus corpus) {

  /** Image data. */
  public SearchData(
      ImageDataset train,
      ImageDataset validation,
      ImageDataset test,
      Normalization normalization,
      Augmentation augmentation) {
    this(train, validation, test, normalization, augmentation, null);
  }

  /** A text corpus for the rnn space. */
  public static SearchData text(TextCorpus corpus) {
    return new SearchData(null, null, null, null, null, java.util.Objects.requireNonNull(corpus));
  }

  /** Whether this is a text corpus (the rnn space) rather than images. */
  public boolean isText() {
    return corpus != null;
  }

  /** As {@link #load(DataSpec, long, int)} with the default vocabulary bound. */
  public static SearchData load(DataSpec spec, long seed) throws IOException {
    return load(spec, seed, LanguageModelSpec.defaults().maxVocabulary());
  }

  /**
   * Loads the data a search spec names: images, or a text corpus for the rnn space; folders are
   * paths of the local file system ({@link DataRoots#unconfined()}).
   */
  public static SearchData load(SearchSpec spec) throws IOException {
    return load(spec, DataRoots.unconfined());
  }

  /**
   * Loads the data a search spec names from inside the data roots. A failure names the file at
   * fault relative to its root.
   *
   * @throws dev.enas.data.DataAccessException for a reference the roots do not allow
   */
  public static SearchData load(SearchSpec spec, DataRoots roots) throws IOException {
    return load(spec.data(), spec.seed(), spec.languageModel().maxVocabulary(), roots);
  }

  /**
   * Loads the data a spec names. Images are split into training and validation, seeded and
   * stratified; a corpus's vocabulary is built from its training file and may hold at most {@code
   * maxVocabulary} words.
   */
  public static SearchData load(DataSpec spec, long seed, int maxVocabulary) throws IOException {
    return load(spec, seed, maxVocabulary, DataRoots.unconfined());
  }

  private static SearchData load(DataSpec spec, long seed, int maxVocabulary, DataRoots roots)
      throws IOException {
    if (spec.isText()) {
      return text(loadText(spec, maxVocabulary, roots));
    }
    ImageDataset fullTrain;
    ImageDataset test;
    Augmentation augmentation;
    String dataset = spec.dataset();
    if (dataset.equals(DataSpec.EMBEDDED)) {
      fullTrain = EmbeddedData.fashionMnistTrain();
      test = EmbeddedData.fashionMnistTest();
      augmentation = Augmentation.fashionMnist();
    } else if (dataset.startsWith("idx:")) {
      DataFolder dir = roots.folder(dataset.substring(4));
      // The MNIST family has ten classes; their names are not in the files, so digits stand in.
      List<String> classes = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
      try {
        fullTrain =
            IdxReader.read(
                find(dir, "train-images-idx3-ubyte"),
                find(dir, "train-labels-idx1-ubyte"),
                classes);
        test =
            IdxReader.read(
                find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"), classes);
      } catch (IOException e) {
        throw redacted(dir, e);
      }
      augmentation = Augmentation.fashionMnist();
    } else if (dataset.startsWith("cifar10:")) {
      DataFolder dir = roots.folder(dataset.substring(8));
      try {
        List<Path> batches = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
          batches.add(dir.required("data_batch_" + i + ".bin"));
        }
        fullTrain = Cifar10Reader.read(batches);
        test = Cifar10Reader.read(List.of(dir.required("test_batch.bin")));
      } catch (IOException e) {
        throw redacted(dir, e);
      }
      augmentation = Augmentation.cifar10Search();
    } else {
      throw new IllegalArgumentException(
          "data.dataset must be 'fashion-mnist', 'idx:DIR', 'cifar10:DIR', 'sonnets' or 'ptb:DIR',"
              + " was '"
              + dataset
              + "'");
    }
    if (spec.trainLimit() > 0 && spec.trainLimit() < fullTrain.size()) {
      // A stratified subset of the requested size: the "validation" side of a split by count.
      fullTrain =
          StratifiedSplit.byCount(fullTrain, spec.trainLimit(), seed ^ 0x7L)
              .validation()
              .withName(fullTrain.name() + "[" + spec.trainLimit() + "]");
    }
    StratifiedSplit split = StratifiedSplit.byFraction(fullTrain, spec.validationFraction(), seed);
    ImageDataset train = split.train();
    return new SearchData(
        train, split.validation(), test, Normalization.compute(train), augmentation);
  }

  private static TextCorpus loadText(DataSpec spec, int maxVocabulary, DataRoots roots)
      throws IOException {
    TextCorpus corpus;
    if (spec.dataset().equals(DataSpec.SONNETS)) {
      corpus = EmbeddedData.sonnets();
      if (corpus.vocabulary().size() > maxVocabulary) {
        throw new IllegalArgumentException(
            "languageModel.maxVocabulary: the sonnets' vocabulary has "
                + corpus.vocabulary().size()
                + " words, over the bound of "
                + maxVocabulary);
      }
    } else {
      DataFolder dir = roots.folder(spec.dataset().substring("ptb:".length()));
      if (dir.confined()) {
        // Checked here rather than by the reader, which would list the folder's files.
        boolean plain =
            dir.file("train.txt") != null
                && dir.file("valid.txt") != null
                && dir.file("test.txt") != null;
        if (!plain) {
          dir.required("ptb.train.txt");
          dir.required("ptb.valid.txt");
          dir.required("ptb.test.txt");
        }
      }
      try {
        corpus = TextCorpus.read(dir.dir(), maxVocabulary);
      } catch (IOException e) {
        throw redacted(dir, e);
      }
    }
    if (spec.trainLimit() > 0 && spec.trainLimit() < corpus.train().length) {
      corpus =
          new TextCorpus(
              corpus.name() + "[" + spec.trainLimit() + " tokens]",
              corpus.vocabulary(),
              java.util.Arrays.copyOf(corpus.train(), spec.trainLimit()),
              corpus.validation(),
              corpus.test());
    }
    return corpus;
  }

  /** The plain or gzip file of an IDX name in a folder. */
  private static Path find(DataFolder dir, String name) throws IOException {
    Path path = dir.firstFile(name, name + ".gz");
    if (path == null) {
      throw new java.nio.file.NoSuchFileException(
          dir.shown(name) + "[.gz]",
          null,
          "data.dataset: no " + name + " or " + name + ".gz in " + dir.shown(""));
    }
    return path;
  }

  /** A reader's failure with server paths replaced by names relative to the data root. */
  private static IOException redacted(DataFolder dir, IOException e) {
    if (!dir.confined()) {
      return e;
    }
    return new IOException(dir.redact(e.getMessage()));
  }

  /** Classes of an image task, or the vocabulary size of a corpus (the model's outputs). */
  public int classes() {
    return isText() ? corpus.vocabulary().size() : train.numClasses();
  }
}
