package dev.enas.train;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Kendall's rank correlation between two paired samples, tau-b (ties counted in both variables),
 * with a two-sided p-value for "no association": exact, from the distribution of inversions over
 * all permutations, when neither sample has ties and there are at most {@value #EXACT_MAX} pairs of
 * values; otherwise the normal approximation with the tie-corrected variance of the score (Kendall
 * 1970, as SciPy's {@code kendalltau} computes it).
 *
 * <p>Used to tell whether the shared-weight rewards a search ranks children by order them as
 * training each child alone does (Sciuto et al. 2019).
 *
 * @param tau tau-b in [-1, 1], or NaN when either sample is constant
 * @param pValue two-sided p-value, or NaN with tau
 * @param n number of pairs
 */
public record KendallTau(double tau, double pValue, int n) {
  /** Largest sample without ties whose p-value is computed exactly. */
  static final int EXACT_MAX = 60;

  /**
   * Tau-b and its p-value for the pairs (x[i], y[i]).
   *
   * @throws IllegalArgumentException if the arrays differ in length, hold fewer than 3 pairs, or
   *     hold a NaN
   */
  public static KendallTau of(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "x and y must pair up, found " + x.length + " and " + y.length + " values");
    }
    int n = x.length;
    if (n < 3) {
      throw new IllegalArgumentException("a rank correlation needs at least 3 pairs, found " + n);
    }
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(x[i]) || Double.isNaN(y[i])) {
        throw new IllegalArgumentException("pair " + i + " holds NaN");
      }
    }
    long concordant = 0;
    long discordant = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        int s = Double.compare(x[i], x[j]) * Double.compare(y[i], y[j]);
        if (s > 0) {
          concordant++;
        } else if (s < 0) {
          discordant++;
        }
      }
    }
    long pairs = (long) n * (n - 1) / 2;
    long[] tiesX = tieSizes(x);
    long[] tiesY = tieSizes(y);
    long tiedX = sum(tiesX, t -> t * (t - 1) / 2);
    long tiedY = sum(tiesY, t -> t * (t - 1) / 2);
    if (tiedX == pairs || tiedY == pairs) {
      return new KendallTau(Double.NaN, Double.NaN, n);
    }
    long score = concordant - discordant;
    double tau = score / Math.sqrt((double) (pairs - tiedX) * (pairs - tiedY));
    double p;
    if (tiedX == 0 && tiedY == 0 && n <= EXACT_MAX) {
      p = exact(n, discordant);
    } else {
      double v0 = (double) n * (n - 1) * (2 * n + 5);
      double vt = sum(tiesX, t -> t * (t - 1) * (2 * t + 5));
      double vu = sum(tiesY, t -> t * (t - 1) * (2 * t + 5));
      double v1 = (double) sum(tiesX, t -> t * (t - 1)) * sum(tiesY, t -> t * (t - 1));
      double v2 =
          (double) sum(tiesX, t -> t * (t - 1) * (t - 2)) * sum(tiesY, t -> t * (t - 1) * (t - 2));
      double variance =
          (v0 - vt - vu) / 18 + v1 / (2.0 * n * (n - 1)) + v2 / (9.0 * n * (n - 1) * (n - 2));
      double z = Math.abs(score) / Math.sqrt(variance);
      p = Math.min(1, erfc(z / Math.sqrt(2)));
    }
    return new KendallTau(Math.max(-1, Math.min(1, tau)), p, n);
  }

  /**
   * Two-sided exact p-value of {@code discordant} inversions among n distinct ranks: the
   * permutations of n with k inversions counted by the usual recurrence, as fractions of n!.
   */
  private static double exact(int n, long discordant) {
    int max = n * (n - 1) / 2;
    double[] count = new double[max + 1];
    count[0] = 1;
    for (int m = 2; m <= n; m++) {
      // Inserting the m-th element adds 0..m-1 inversions.
      double[] next = new double[max + 1];
      double window = 0;
      for (int k = 0; k <= max; k++) {
        window += count[k];
        if (k - m >= 0) {
          window -= count[k - m];
        }
        next[k] = window;
      }
      count = next;
    }
    double total = Arrays.stream(count).sum();
    double below = 0;
    for (int k = 0; k <= discordant; k++) {
      below += count[k];
    }
    double above = 0;
    for (int k = (int) discordant; k <= max; k++) {
      above += count[k];
    }
    return Math.min(1, 2 * Math.min(below, above) / total);
  }

  private static long[] tieSizes(double[] values) {
    Map<Double, Long> sizes = new HashMap<>();
    for (double v : values) {
      sizes.merge(v == 0.0 ? 0.0 : v, 1L, Long::sum);
    }
    return sizes.values().stream().mapToLong(Long::longValue).filter(t -> t > 1).toArray();
  }

  private interface LongFn {
    long apply(long t);
  }

  private static long sum(long[] ties, LongFn f) {
    long s = 0;
    for (long t : ties) {
      s += f.apply(t);
    }
    return s;
  }

  /** The complementary error function, to about 1e-7 (Numerical Recipes' Chebyshev fit). */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
