package dev.enas.controller;

/**
 * A small seeded random generator (SplitMix64) whose whole state is one {@code long}, so a
 * controller's sampling stream can be checkpointed and resumed exactly. Not thread-safe: each
 * controller owns one.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  /** The full state; {@code new Rng(x.state())} continues the same stream. */
  public long state() {
    return state;
  }

  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, was " + bound);
    }
    return (int) ((nextLong() >>> 33) % bound);
  }

  /** Draws an index from a probability vector that sums to one (up to rounding). */
  public int categorical(double[] probabilities) {
    double u = nextDouble();
    double cumulative = 0;
    for (int i = 0; i < probabilities.length; i++) {
      cumulative += probabilities[i];
      if (u < cumulative) {
        return i;
      }
    }
    return probabilities.length - 1;
  }
}
