package dev.enas.train;

import dev.enas.data.Augmentation;
import dev.enas.data.Cifar10Reader;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The three disjoint parts a search uses: the training split (shared weights and retraining), the
 * validation split (rewards and derivation), and the test set, which only the final evaluation
 * reads. For images the validation split is carved out of the training data and normalisation
 * comes from the training split alone; a text corpus (the rnn space) brings its own three files
 * and its vocabulary, and the image components are null.
 */
public record SearchData(
    ImageDataset train,
    ImageDataset validation,
    ImageDataset test,
    Normalization normalization,
    Augmentation augmentation,
    TextCorpus corpus) {

  /** Image data. */
  public SearchData(ImageDataset train, ImageDataset validation, ImageDataset test,
      Normalization normalization, Augmentation augmentation) {
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

  /** Loads the data a search spec names: images, or a text corpus for the rnn space. */
  public static SearchData load(SearchSpec spec) throws IOException {
    return load(spec.data(), spec.seed(), spec.languageModel().maxVocabulary());
  }

  /**
   * Loads the data a spec names. Images are split into training and validation, seeded and
   * stratified; a corpus's vocabulary is built from its training file and may hold at most {@code
   * maxVocabulary} words.
   */
  public static SearchData load(DataSpec spec, long seed, int maxVocabulary) throws IOException {
    if (spec.isText()) {
      return text(loadText(spec, maxVocabulary));
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
      Path dir = Path.of(dataset.substring(4));
      // The MNIST family has ten classes; their names are not in the files, so digits stand in.
      List<String> classes = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
      fullTrain = IdxReader.read(find(dir, "train-images-idx3-ubyte"),
          find(dir, "train-labels-idx1-ubyte"), classes);
      test = IdxReader.read(find(dir, "t10k-images-idx3-ubyte"),
          find(dir, "t10k-labels-idx1-ubyte"), classes);
      augmentation = Augmentation.fashionMnist();
    } else if (dataset.startsWith("cifar10:")) {
      Path dir = Path.of(dataset.substring(8));
      List<Path> batches = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        batches.add(dir.resolve("data_batch_" + i + ".bin"));
      }
      fullTrain = Cifar10Reader.read(batches);
      test = Cifar10Reader.read(List.of(dir.resolve("test_batch.bin")));
      augmentation = Augmentation.cifar10Search();
    } else {
      throw new IllegalArgumentException(
          "data.dataset must be 'fashion-mnist', 'idx:DIR', 'cifar10:DIR', 'sonnets' or 'ptb:DIR',"
              + " was '" + dataset + "'");
    }
    if (spec.trainLimit() > 0 && spec.trainLimit() < fullTrain.size()) {
      // A stratified subset of the requested size: the "validation" side of a split by count.
      fullTrain = StratifiedSplit.byCount(fullTrain, spec.trainLimit(), seed ^ 0x7L).validation()
          .withName(fullTrain.name() + "[" + spec.trainLimit() + "]");
    }
    StratifiedSplit split = StratifiedSplit.byFraction(fullTrain, spec.validationFraction(), seed);
    ImageDataset train = split.train();
    return new SearchData(train, split.validation(), test, Normalization.compute(train),
        augmentation);
  }

  private static TextCorpus loadText(DataSpec spec, int maxVocabulary) throws IOException {
    TextCorpus corpus;
    if (spec.dataset().equals(DataSpec.SONNETS)) {
      corpus = EmbeddedData.sonnets();
      if (corpus.vocabulary().size() > maxVocabulary) {
        throw new IllegalArgumentException("languageModel.maxVocabulary: the sonnets' vocabulary has "
            + corpus.vocabulary().size() + " words, over the bound of " + maxVocabulary);
      }
    } else {
      corpus = TextCorpus.read(Path.of(spec.dataset().substring("ptb:".length())), maxVocabulary);
    }
    if (spec.trainLimit() > 0 && spec.trainLimit() < corpus.train().length) {
      corpus = new TextCorpus(corpus.name() + "[" + spec.trainLimit() + " tokens]",
          corpus.vocabulary(), java.util.Arrays.copyOf(corpus.train(), spec.trainLimit()),
          corpus.validation(), corpus.test());
    }
    return corpus;
  }

  /** The plain or gzip file of an IDX name in a folder. */
  private static Path find(Path dir, String name) throws IOException {
    for (String candidate : List.of(name, name + ".gz")) {
      Path path = dir.resolve(candidate);
      if (Files.isRegularFile(path)) {
        return path;
      }
    }
    throw new java.nio.file.NoSuchFileException(dir.resolve(name) + "[.gz]",
        null, "data.dataset: no " + name + " or " + name + ".gz in " + dir);
  }

  /** Classes of an image task, or the vocabulary size of a corpus (the model's outputs). */
  public int classes() {
    return isText() ? corpus.vocabulary().size() : train.numClasses();
  }
}
