package dev.enas.supernet;

import java.util.List;

/**
 * Halves the resolution without discarding a pixel: two stride-2 1x1 convolutions, one on the input
 * and one on the input shifted by one pixel, each giving half the output channels, concatenated and
 * batch-normalized (the released ENAS code's factorized reduction).
 */
final class FactorizedReduce {
  private final boolean reluFirst;
  private final Param path1;
  private final Param path2;
  private final Bn bn;

  /**
   * @param reluFirst the micro space's calibration applies ReLU first (ReLU-conv-BN like its other
   *     ops); the macro space reduces raw layer outputs, as the released code does
   */
  FactorizedReduce(ParamStore store, String name, int in, int out, boolean reluFirst) {
    if (out % 2 != 0) {
      throw new IllegalArgumentException("a factorized reduction needs an even width, was " + out);
    }
    this.reluFirst = reluFirst;
    this.path1 = store.heNormal(name + ".path1", in, out / 2, in, 1, 1);
    this.path2 = store.heNormal(name + ".path2", in, out / 2, in, 1, 1);
    this.bn = Bn.create(store, name + ".bn", out);
  }

  <T> T forward(Ops<T> ops, T x) {
    T in = reluFirst ? ops.relu(x) : x;
    T a = ops.conv(in, path1, 2, 0, 1);
    T b = ops.conv(ops.shift(in), path2, 2, 0, 1);
    return ops.batchNorm(ops.concat(List.of(a, b)), bn);
  }

  List<Param> params() {
    return List.of(path1, path2, bn.gamma(), bn.beta(), bn.mean(), bn.variance());
  }
}
