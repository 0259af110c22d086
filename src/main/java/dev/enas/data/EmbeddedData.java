package dev.enas.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The Fashion-MNIST subset shipped inside enas-core (600 training and 100 test images per class), so a
 * search runs offline on a fresh machine. The split is our own, made by
 * {@code src/scripts/fashion-mnist.mjs}; the resource folder's README says how.
 */
public final class EmbeddedData {

  /** Fashion-MNIST's classes in label order. */
  public static final List<String> FASHION_MNIST_CLASSES = List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private static final String FOLDER = "/dev/enas/data/fashion-mnist/";

  private EmbeddedData() {
  }

  /** The 6,000 training images; split off a validation part with {@link StratifiedSplit}. */
  public static ImageDataset fashionMnistTrain() {
    return load("train", "fashion-mnist-embedded/train");
  }

  /** The 1,000 test images, for the final evaluation only. */
  public static ImageDataset fashionMnistTest() {
    return load("t10k", "fashion-mnist-embedded/test");
  }

  // Unchecked: these files are part of the build, so failing to read them is a packaging bug that no
  // caller can handle, not an input error.
  private static ImageDataset load(String prefix, String name) {
    String images = FOLDER + prefix + "-images-idx3-ubyte.gz";
    String labels = FOLDER + prefix + "-labels-idx1-ubyte.gz";
    try (InputStream imageStream = resource(images); InputStream labelStream = resource(labels)) {
      return IdxReader.read(imageStream, "classpath:" + images, labelStream, "classpath:" + labels,
          FASHION_MNIST_CLASSES).withName(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded Fashion-MNIST data", e);
    }
  }

  private static InputStream resource(String path) throws IOException {
    InputStream in = EmbeddedData.class.getResourceAsStream(path);
    if (in == null) {
      throw new NoSuchFileException("classpath:" + path, null, "embedded resource missing from enas-core");
    }
    return in;
  }
}
