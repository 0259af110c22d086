package dev.enas.supernet;

import java.util.List;

/** ReLU, 1x1 convolution, batch norm: brings a micro cell input to the cell's width. */
final class Projection {
  private final Param conv;
  private final Bn bn;

  Projection(ParamStore store, String name, int in, int out) {
    this.conv = store.heNormal(name + ".conv", in, out, in, 1, 1);
    this.bn = Bn.create(store, name + ".bn", out);
  }

  <T> T forward(Ops<T> ops, T x) {
    return ops.batchNorm(ops.conv(ops.relu(x), conv, 1, 0, 1), bn);
  }

  List<Param> params() {
    return List.of(conv, bn.gamma(), bn.beta(), bn.mean(), bn.variance());
  }
}
