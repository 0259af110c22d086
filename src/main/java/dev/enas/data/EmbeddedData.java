package dev.enas.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The data shipped inside enas-core, so a search runs offline on a fresh machine: a Fashion-MNIST
 * subset (600 training and 100 test images per class) for the CNN spaces and Shakespeare's sonnets
 * as Penn-Treebank-style text for the recurrent space. Both were made by scripts in {@code
 * src/scripts}; the README in each resource folder says how.
 */
public final class EmbeddedData {

  /** Fashion-MNIST's classes in label order. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /**
   * Bound on the sonnets' vocabulary: PTB's 10,000, far above the 1,143 words the corpus has, so it
   * only guards against a broken resource.
   */
  public static final int SONNETS_MAX_VOCABULARY = 10_000;

  private static final String FOLDER = "/dev/enas/data/fashion-mnist/";
  private static final String SONNETS_FOLDER = "/dev/enas/data/sonnets/";

  private EmbeddedData() {}

  /** The 6,000 training images; split off a validation part with {@link StratifiedSplit}. */
  public static ImageDataset fashionMnistTrain() {
    return load("train", "fashion-mnist-embedded/train");
  }

  /** The 1,000 test images, for the final evaluation only. */
  public static ImageDataset fashionMnistTest() {
    return load("t10k", "fashion-mnist-embedded/test");
  }

  /**
   * Shakespeare's 154 sonnets (public domain) as a language-model corpus: sonnets 1-124 for
   * training, 125-139 for validation, 140-154 for test; about 16,000 / 2,000 / 2,000 tokens and
   * 1,143 words. Lower case, punctuation removed, words seen once in training replaced by {@code
   * <unk>}; see {@code src/scripts/sonnets.mjs}. Read anew on each call, which takes milliseconds.
   */
  public static TextCorpus sonnets() {
    String train = SONNETS_FOLDER + "train.txt";
    String validation = SONNETS_FOLDER + "valid.txt";
    String test = SONNETS_FOLDER + "test.txt";
    try (InputStream trainStream = resource(train);
        InputStream validationStream = resource(validation);
        InputStream testStream = resource(test)) {
      return TextCorpus.read(
          "shakespeare-sonnets",
          trainStream,
          "classpath:" + train,
          validationStream,
          "classpath:" + validation,
          testStream,
          "classpath:" + test,
          SONNETS_MAX_VOCABULARY);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded sonnets corpus", e);
    }
  }

  // Unchecked: these files are part of the build, so failing to read them is a packaging bug that
  // no
  // caller can handle, not an input error.
  private static ImageDataset load(String prefix, String name) {
    String images = FOLDER + prefix + "-images-idx3-ubyte.gz";
    String labels = FOLDER + prefix + "-labels-idx1-ubyte.gz";
    try (InputStream imageStream = resource(images);
        InputStream labelStream = resource(labels)) {
      return IdxReader.read(
              imageStream,
              "classpath:" + images,
              labelStream,
              "classpath:" + labels,
              FASHION_MNIST_CLASSES)
          .withName(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded Fashion-MNIST data", e);
    }
  }

  private static InputStream resource(String path) throws IOException {
    InputStream in = EmbeddedData.class.getResourceAsStream(path);
    if (in == null) {
      throw new NoSuchFileException(
          "classpath:" + path, null, "embedded resource missing from enas-core");
    }
    return in;
  }
}
