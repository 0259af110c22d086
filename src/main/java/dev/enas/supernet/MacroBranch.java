package dev.enas.supernet;

import dev.enas.space.MacroOp;
import java.util.ArrayList;
import java.util.List;

/**
 * One candidate operation of a macro layer, in the released ENAS code's form: every branch starts
 * with a 1x1 convolution, batch norm and ReLU; convolutions and separable convolutions then apply
 * their kxk kernel (separable: depthwise kxk, then pointwise 1x1), batch norm and ReLU; pooling
 * branches apply 3x3 pooling, stride 1. Width is kept.
 */
final class MacroBranch {
  private final MacroOp op;
  private final Param inConv;
  private final Bn inBn;
  private final Param conv;
  private final Param depthwise;
  private final Param pointwise;
  private final Bn outBn;

  MacroBranch(ParamStore store, String name, MacroOp op, int channels) {
    this.op = op;
    int c = channels;
    int k = op.kernel();
    this.inConv = store.heNormal(name + ".in.conv", c, c, c, 1, 1);
    this.inBn = Bn.create(store, name + ".in.bn", c);
    switch (op) {
      case CONV_3X3, CONV_5X5 -> {
        conv = store.heNormal(name + ".conv", c * k * k, c, c, k, k);
        depthwise = null;
        pointwise = null;
        outBn = Bn.create(store, name + ".bn", c);
      }
      case SEP_CONV_3X3, SEP_CONV_5X5 -> {
        conv = null;
        depthwise = store.heNormal(name + ".depthwise", k * k, c, 1, k, k);
        pointwise = store.heNormal(name + ".pointwise", c, c, c, 1, 1);
        outBn = Bn.create(store, name + ".bn", c);
      }
      default -> {
        conv = null;
        depthwise = null;
        pointwise = null;
        outBn = null;
      }
    }
  }

  MacroOp op() {
    return op;
  }

  <T> T forward(Ops<T> ops, T x) {
    T y = ops.relu(ops.batchNorm(ops.conv(x, inConv, 1, 0, 1), inBn));
    int pad = op.kernel() / 2;
    return switch (op) {
      case CONV_3X3, CONV_5X5 -> ops.relu(ops.batchNorm(ops.conv(y, conv, 1, pad, 1), outBn));
      case SEP_CONV_3X3, SEP_CONV_5X5 -> {
        int channels = (int) depthwise.shape()[0];
        T d = ops.conv(y, depthwise, 1, pad, channels);
        yield ops.relu(ops.batchNorm(ops.conv(d, pointwise, 1, 0, 1), outBn));
      }
      case MAX_POOL_3X3 -> ops.pool(y, true);
      case AVG_POOL_3X3 -> ops.pool(y, false);
    };
  }

  List<Param> params() {
    List<Param> all = new ArrayList<>(List.of(inConv));
    all.addAll(inBn.params());
    for (Param p : new Param[] {conv, depthwise, pointwise}) {
      if (p != null) {
        all.add(p);
      }
    }
    if (outBn != null) {
      all.addAll(outBn.params());
    }
    return all;
  }
}
