package dev.enas.supernet;

/**
 * Cosine learning rate with warm restarts (SGDR, Loshchilov and Hutter 2017), as the ENAS shared
 * weights use it: the rate falls from {@code max} to {@code min} over a period of {@code t0}
 * epochs, then restarts at {@code max} with the period multiplied by {@code tMul}.
 */
public final class CosineSchedule {
  private final double max;
  private final double min;
  private final double t0;
  private final double tMul;

  public CosineSchedule(double max, double min, double t0, double tMul) {
    if (!(min >= 0 && max >= min) || Double.isInfinite(max)) {
      throw new IllegalArgumentException("need 0 <= min <= max, was min " + min + ", max " + max);
    }
    if (!(t0 > 0) || Double.isInfinite(t0)) {
      throw new IllegalArgumentException("t0 must be a positive number of epochs, was " + t0);
    }
    if (!(tMul >= 1) || Double.isInfinite(tMul)) {
      throw new IllegalArgumentException("tMul must be at least 1, was " + tMul);
    }
    this.max = max;
    this.min = min;
    this.t0 = t0;
    this.tMul = tMul;
  }

  /**
   * The paper's setting: 0.05 down to 0.0005, first period 10 epochs, each next one twice as long.
   */
  public static CosineSchedule enasDefaults() {
    return new CosineSchedule(0.05, 0.0005, 10, 2);
  }

  /** The rate at a point in training measured in epochs (fractions allowed, from 0). */
  public double at(double epoch) {
    if (!(epoch >= 0) || Double.isInfinite(epoch)) {
      throw new IllegalArgumentException("epoch must be finite and >= 0, was " + epoch);
    }
    double start = 0;
    double period = t0;
    // Walking the periods keeps exact restarts at integer boundaries; their count grows only
    // logarithmically with the epoch when tMul > 1.
    while (epoch >= start + period) {
      start += period;
      period *= tMul;
    }
    double progress = (epoch - start) / period;
    return min + 0.5 * (max - min) * (1 + Math.cos(Math.PI * progress));
  }
}
