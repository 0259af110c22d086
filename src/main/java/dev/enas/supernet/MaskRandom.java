package dev.enas.supernet;

import java.util.random.RandomGenerator;

/**
 * The generator of a network's dropout masks: SplitMix64 with the golden-ratio increment, which is
 * the stream {@code new SplittableRandom(seed)} draws, but with its whole state in one {@code long}
 * that a snapshot can store and restore. (SplittableRandom keeps its state private.) Not
 * thread-safe: each network owns one and draws from it on the device thread.
 */
final class MaskRandom implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  MaskRandom(long seed) {
    this.state = seed;
  }

  /** The whole state: {@code new MaskRandom(r.state())} continues r's stream. */
  long state() {
    return state;
  }

  /** Continues the stream from a {@link #state()}. */
  void restore(long saved) {
    this.state = saved;
  }

  @Override
  public long nextLong() {
    long z = (state += GOLDEN_GAMMA);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
