package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The data a search trains on.
 *
 * @param dataset images: {@code fashion-mnist} (the embedded 6,000/1,000 subset), {@code idx:DIR}
 *     (a folder with the four MNIST-family IDX files, plain or gzip), or {@code cifar10:DIR} (a
 *     folder with CIFAR-10's binary batches); text, for the rnn space: {@code sonnets} (the
 *     embedded Shakespeare corpus) or {@code ptb:DIR} (a folder with Penn-Treebank-style {@code
 *     train.txt valid.txt test.txt}, or {@code ptb.train.txt ptb.valid.txt ptb.test.txt})
 * @param validationFraction images: share of the training set held out, stratified, for rewards (a
 *     text corpus brings its own validation file); the test set is never seen by the search
 * @param trainLimit use at most this many training images, or training tokens of a corpus (0: all),
 *     for quick runs
 */
public record DataSpec(String dataset, double validationFraction, int trainLimit) {
  public static final String EMBEDDED = "fashion-mnist";

  /** The embedded text corpus: Shakespeare's sonnets. */
  public static final String SONNETS = "sonnets";

  public static DataSpec embedded() {
    return new DataSpec(EMBEDDED, 0.1, 0);
  }

  /** The embedded text corpus, for the rnn space. */
  public static DataSpec sonnets() {
    return new DataSpec(SONNETS, 0.1, 0);
  }

  /** Whether the dataset is a text corpus (for the rnn space) rather than images. */
  public boolean isText() {
    return SONNETS.equals(dataset) || (dataset != null && hasPath("ptb:"));
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    if (dataset == null
        || !(dataset.equals(EMBEDDED) || hasPath("idx:") || hasPath("cifar10:") || isText())) {
      out.add(
          new FieldViolation(
              prefix + "dataset",
              "must be 'fashion-mnist', 'idx:DIR',"
                  + " 'cifar10:DIR' (images), 'sonnets' or 'ptb:DIR' (text), was '"
                  + dataset
                  + "'"));
    }
    Checks.range(out, prefix + "validationFraction", validationFraction, 0.01, 0.9, true);
    Checks.intRange(out, prefix + "trainLimit", trainLimit, 0, 10_000_000);
    return out;
  }

  private boolean hasPath(String scheme) {
    return dataset.startsWith(scheme) && dataset.length() > scheme.length();
  }
}
