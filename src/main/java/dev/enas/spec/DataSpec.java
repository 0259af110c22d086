package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The data a search trains on.
 *
 * @param dataset {@code fashion-mnist} (the embedded 6,000/1,000 subset), {@code idx:DIR} (a folder
 *     with the four MNIST-family IDX files, plain or gzip), or {@code cifar10:DIR} (a folder with
 *     CIFAR-10's binary batches)
 * @param validationFraction share of the training set held out, stratified, for rewards; the test
 *     set is never seen by the search
 * @param trainLimit use at most this many training images (0: all), for quick runs
 */
public record DataSpec(String dataset, double validationFraction, int trainLimit) {
  public static final String EMBEDDED = "fashion-mnist";

  public static DataSpec embedded() {
    return new DataSpec(EMBEDDED, 0.1, 0);
  }

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    if (dataset == null || !(dataset.equals(EMBEDDED) || hasPath("idx:") || hasPath("cifar10:"))) {
      out.add(new FieldViolation(prefix + "dataset",
          "must be 'fashion-mnist', 'idx:DIR' or 'cifar10:DIR', was '" + dataset + "'"));
    }
    Checks.range(out, prefix + "validationFraction", validationFraction, 0.01, 0.9, true);
    Checks.intRange(out, prefix + "trainLimit", trainLimit, 0, 10_000_000);
    return out;
  }

  private boolean hasPath(String scheme) {
    return dataset.startsWith(scheme) && dataset.length() > scheme.length();
  }
}
