package dev.enas.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded split of a training set into a train part and a validation part in which every class
 * keeps its share. ENAS rewards the controller on the validation part, so it must come out of the
 * training data; the test set is never passed here.
 */
public final class StratifiedSplit {

  private final ImageDataset train;
  private final ImageDataset validation;
  private final int[] trainIndices;
  private final int[] validationIndices;

  private StratifiedSplit(ImageDataset data, int[] trainIndices, int[] validationIndices) {
    this.trainIndices = trainIndices;
    this.validationIndices = validationIndices;
    this.train = data.subset(trainIndices, data.name() + "/train");
    this.validation = data.subset(validationIndices, data.name() + "/validation");
  }

  /**
   * Puts {@code round(validationFraction * data.size())} images into validation, spread over the
   * classes in proportion to their sizes.
   *
   * @param validationFraction in the open range (0, 1)
   * @throws IllegalArgumentException if the fraction is out of range, or would leave the validation
   *     part, the train part or any class's train share empty
   */
  public static StratifiedSplit byFraction(
      ImageDataset data, double validationFraction, long seed) {
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException(
          "validationFraction must be in the open range (0, 1), got " + validationFraction);
    }
    int n = requireSplittable(data);
    int count = (int) Math.round(validationFraction * n);
    String field = "validationFraction " + validationFraction;
    if (count < 1) {
      throw new IllegalArgumentException(
          field
              + " gives no validation images out of "
              + n
              + "; accepted range for this dataset is ["
              + 0.5 / n
              + ", 1)");
    }
    return split(data, count, field, seed);
  }

  /**
   * Puts exactly {@code validationCount} images into validation, spread over the classes in
   * proportion to their sizes.
   *
   * @param validationCount in {@code 1..data.size()-1}
   * @throws IllegalArgumentException if the count is out of range or would leave any class's train
   *     share empty
   */
  public static StratifiedSplit byCount(ImageDataset data, int validationCount, long seed) {
    int n = requireSplittable(data);
    if (validationCount < 1 || validationCount > n - 1) {
      throw new IllegalArgumentException(
          "validationCount must be in 1.."
              + (n - 1)
              + " for a dataset of "
              + n
              + " images, got "
              + validationCount);
    }
    return split(data, validationCount, "validationCount " + validationCount, seed);
  }

  private static int requireSplittable(ImageDataset data) {
    if (data.size() < 2) {
      throw new IllegalArgumentException(
          "data must hold at least 2 images to split, " + data.name() + " holds " + data.size());
    }
    return data.size();
  }

  private static StratifiedSplit split(
      ImageDataset data, int validationCount, String field, long seed) {
    int n = data.size();
    if (validationCount >= n) {
      throw new IllegalArgumentException(
          field
              + " puts all "
              + n
              + " images into validation and leaves"
              + " the train part empty; accepted range is (0, 1) with at least one training image");
    }
    int[] counts = data.classCounts();
    int[] quota = apportion(counts, validationCount, n);
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] > 0 && quota[c] >= counts[c]) {
        throw new IllegalArgumentException(
            field
                + " leaves class "
                + c
                + " ('"
                + data.classNames().get(c)
                + "', "
                + counts[c]
                + " images) with no training images; accepted range is (0, 1) with at"
                + " least one training image in every class");
      }
    }

    int[][] byClass = new int[counts.length][];
    int[] filled = new int[counts.length];
    for (int c = 0; c < counts.length; c++) {
      byClass[c] = new int[counts[c]];
    }
    int[] labels = data.labelArray();
    for (int i = 0; i < n; i++) {
      byClass[labels[i]][filled[labels[i]]++] = i;
    }

    // One generator walked through the classes in label order: the split depends on the seed and
    // the
    // labels only, never on thread timing or hash order.
    SplittableRandom random = new SplittableRandom(seed);
    int[] validation = new int[validationCount];
    int[] train = new int[n - validationCount];
    int v = 0;
    int t = 0;
    for (int c = 0; c < counts.length; c++) {
      int[] members = byClass[c];
      for (int i = members.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = members[i];
        members[i] = members[j];
        members[j] = swap;
      }
      System.arraycopy(members, 0, validation, v, quota[c]);
      System.arraycopy(members, quota[c], train, t, members.length - quota[c]);
      v += quota[c];
      t += members.length - quota[c];
    }
    // Ascending order keeps each part in the order of the source file, so a split is easy to
    // inspect;
    // batch iteration shuffles anyway.
    Arrays.sort(validation);
    Arrays.sort(train);
    return new StratifiedSplit(data, train, validation);
  }

  /**
   * Largest-remainder apportionment of {@code total} over classes of the given sizes: each class
   * gets the floor of its exact share, and the seats left over go to the largest remainders (lower
   * label first on ties), so the quotas sum to {@code total} exactly. Integer arithmetic keeps it
   * free of floating-point ties.
   */
  static int[] apportion(int[] sizes, int total, int sum) {
    int[] quota = new int[sizes.length];
    long[] remainder = new long[sizes.length];
    int assigned = 0;
    for (int c = 0; c < sizes.length; c++) {
      long exact = (long) total * sizes[c];
      quota[c] = (int) (exact / sum);
      remainder[c] = exact % sum;
      assigned += quota[c];
    }
    for (int left = total - assigned; left > 0; left--) {
      int best = -1;
      for (int c = 0; c < sizes.length; c++) {
        if (best < 0 || remainder[c] > remainder[best]) {
          best = c;
        }
      }
      quota[best]++;
      remainder[best] = -1;
    }
    return quota;
  }

  /** The images kept for training, in source order. */
  public ImageDataset train() {
    return train;
  }

  /** The images held out for validation, in source order. */
  public ImageDataset validation() {
    return validation;
  }

  /** Positions in the source dataset of the train images, ascending. */
  public int[] trainIndices() {
    return trainIndices.clone();
  }

  /** Positions in the source dataset of the validation images, ascending. */
  public int[] validationIndices() {
    return validationIndices.clone();
  }
}
