package dev.enas.supernet;

import java.util.List;

/**
 * The primitive operations every network in this package is written in. The DJL implementation
 * computes on NDArrays; a tracing implementation records the same calls as a graph, so the graph an
 * exporter walks is by construction the one that was trained.
 *
 * @param <T> the value type flowing between operations
 */
interface Ops<T> {

  /**
   * 2-D convolution without bias. With several weights they are concatenated along the input
   * channels: one convolution over a concatenated input whose blocks are stored separately.
   */
  T conv(T x, List<Param> weights, int stride, int padding, int groups);

  default T conv(T x, Param weight, int stride, int padding, int groups) {
    return conv(x, List.of(weight), stride, padding, groups);
  }

  T batchNorm(T x, Bn bn);

  T relu(T x);

  /**
   * 3x3 pooling, stride 1, padding 1; average pooling divides by 9 everywhere, padding included.
   */
  T pool(T x, boolean max);

  T sum(List<T> xs);

  T concat(List<T> xs);

  /** Moves the image up and left by one pixel, filling the last row and column with zeros. */
  T shift(T x);

  /** Mean over height and width: (N, C, H, W) to (N, C). */
  T globalAvgPool(T x);

  /** Drops units with probability {@code rate} when training; the identity otherwise. */
  T dropout(T x, float rate);

  T linear(T x, Param weight, Param bias);
}
