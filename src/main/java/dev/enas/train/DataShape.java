package dev.enas.train;

import dev.enas.data.Cifar10Reader;
import dev.enas.data.DataFolder;
import dev.enas.data.DataRoots;
import dev.enas.data.EmbeddedData;
import dev.enas.data.IdxReader;
import dev.enas.data.ImageDataset;
import dev.enas.data.PtbTextReader;
import dev.enas.spec.DataSpec;
import dev.enas.spec.TrainingSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a data set looks like, learnt without loading it (an IDX header, CIFAR file sizes, a token
 * count), and the defaults that follow from it. The paper's defaults were made for CIFAR-10 and
 * Penn Treebank; on other data some of them hurt silently: a 16-pixel cutout on a 28x28 digit, a
 * batch of 64 x 35 tokens that gives a small corpus six steps an epoch. A spec's unset fields take
 * these values instead; a field the spec sets is always obeyed.
 *
 * @param text a corpus for the rnn space; the image fields are then 0
 * @param channels image channels (1 for grey)
 * @param height image height in pixels
 * @param width image width in pixels
 * @param trainSize training images (before the validation split), or training tokens of a corpus
 */
public record DataShape(boolean text, int channels, int height, int width, long trainSize) {

  /** The paper's cutout, for CIFAR-10's 32 x 32 colour images. */
  static final int PAPER_CUTOUT = 16;

  /** Fewest shared-weight or retraining steps an epoch of a text corpus should give. */
  static final int MIN_TEXT_STEPS_PER_EPOCH = 50;

  /** An image data set's shape. */
  public static DataShape images(int channels, int height, int width, long trainSize) {
    return new DataShape(false, channels, height, width, trainSize);
  }

  /** A corpus of {@code trainTokens} training tokens. */
  public static DataShape text(long trainTokens) {
    return new DataShape(true, 0, 0, 0, trainTokens);
  }

  /**
   * The shape of the data set a spec names, or empty when it cannot be read cheaply (a missing or
   * malformed file: loading the data reports that properly, with the file's name).
   */
  public static Optional<DataShape> peek(DataSpec data) {
    return peek(data, DataRoots.unconfined());
  }

  /** As {@link #peek(DataSpec)}, for a data set inside the data roots. */
  public static Optional<DataShape> peek(DataSpec data, DataRoots roots) {
    String dataset = data.dataset();
    if (dataset == null) {
      return Optional.empty();
    }
    try {
      DataShape shape;
      if (dataset.equals(DataSpec.EMBEDDED)) {
        ImageDataset train = EmbeddedData.fashionMnistTrain();
        shape = images(train.channels(), train.height(), train.width(), train.size());
      } else if (dataset.equals(DataSpec.SONNETS)) {
        shape = text(EmbeddedData.sonnets().train().length);
      } else if (dataset.startsWith("idx:")) {
        DataFolder dir = roots.folder(dataset.substring(4));
        Path images = dir.required("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz");
        int[] header = IdxReader.imagesHeader(images);
        shape = images(1, header[1], header[2], header[0]);
      } else if (dataset.startsWith("cifar10:")) {
        DataFolder dir = roots.folder(dataset.substring(8));
        long bytes = 0;
        for (int i = 1; i <= 5; i++) {
          bytes += Files.size(dir.required("data_batch_" + i + ".bin"));
        }
        shape =
            images(
                Cifar10Reader.CHANNELS,
                Cifar10Reader.SIDE,
                Cifar10Reader.SIDE,
                bytes / Cifar10Reader.RECORD_BYTES);
      } else if (dataset.startsWith("ptb:")) {
        DataFolder dir = roots.folder(dataset.substring(4));
        Path train = dir.required("train.txt", "ptb.train.txt");
        // Every line gains an end-of-sentence token, as the reader counts them.
        shape = text(PtbTextReader.readTokens(train).size());
      } else {
        return Optional.empty();
      }
      if (data.trainLimit() > 0 && data.trainLimit() < shape.trainSize()) {
        shape =
            new DataShape(
                shape.text(), shape.channels(), shape.height(), shape.width(), data.trainLimit());
      }
      return Optional.of(shape);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Cutout for retraining: none for grey images (a square hole in a digit or a garment removes what
   * defines it), otherwise the paper's 16 pixels scaled to the shorter image side (16 for 32 x 32).
   */
  public int cutout() {
    if (text || channels == 1) {
      return 0;
    }
    return Math.max(1, Math.round(PAPER_CUTOUT * Math.min(height, width) / 32f));
  }

  /**
   * Streams per text batch: the largest up to {@code paperBatch} that still gives {@link
   * #MIN_TEXT_STEPS_PER_EPOCH} windows of {@code bpttSteps} tokens per epoch (at least 1).
   */
  public int textBatchSize(int paperBatch, int bpttSteps) {
    long fits = trainSize / ((long) Math.max(1, bpttSteps) * MIN_TEXT_STEPS_PER_EPOCH);
    return (int) Math.max(1, Math.min(paperBatch, fits));
  }

  /**
   * A schedule that anneals within the epochs it has: when a training has fewer epochs than the
   * cosine restart period, the period becomes the epoch count and the multiplier 1, so the learning
   * rate reaches its minimum at the end instead of being cut off high. Returns {@code training}
   * unchanged otherwise.
   *
   * @param periodSet the spec set the restart period itself (then it is obeyed)
   * @param multiplierSet the spec set the multiplier itself
   */
  public static TrainingSpec annealWithin(
      TrainingSpec training, boolean periodSet, boolean multiplierSet) {
    if (periodSet || training.epochs() >= training.restartPeriod() || training.epochs() < 1) {
      return training;
    }
    return new TrainingSpec(
        training.epochs(),
        training.stepsPerEpoch(),
        training.learningRateMax(),
        training.learningRateMin(),
        training.epochs(),
        multiplierSet ? training.restartMultiplier() : 1,
        training.momentum(),
        training.weightDecay(),
        training.gradientClip(),
        training.maxNonFiniteSteps());
  }
}
