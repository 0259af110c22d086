package dev.enas.supernet;

import dev.enas.space.MicroOp;
import java.util.ArrayList;
import java.util.List;

/**
 * One candidate operation on one node input of a micro cell. Separable convolutions are two stacked
 * ReLU, depthwise kxk, pointwise 1x1, batch norm units (the released ENAS code); pooling is 3x3,
 * stride 1; identity passes its input on. Inputs are already calibrated to the cell's width, so no
 * branch changes the shape.
 */
final class MicroBranch {
  private static final int STACKS = 2;

  private final MicroOp op;
  private final List<Param> depthwise = new ArrayList<>();
  private final List<Param> pointwise = new ArrayList<>();
  private final List<Bn> bns = new ArrayList<>();

  MicroBranch(ParamStore store, String name, MicroOp op, int channels) {
    this.op = op;
    int k = kernel(op);
    if (k > 0) {
      for (int s = 0; s < STACKS; s++) {
        String stack = name + "." + s;
        depthwise.add(store.heNormal(stack + ".depthwise", k * k, channels, 1, k, k));
        pointwise.add(store.heNormal(stack + ".pointwise", channels, channels, channels, 1, 1));
        bns.add(Bn.create(store, stack + ".bn", channels));
      }
    }
  }

  MicroOp op() {
    return op;
  }

  <T> T forward(Ops<T> ops, T x) {
    return switch (op) {
      case SEP_CONV_3X3, SEP_CONV_5X5 -> {
        T y = x;
        int pad = kernel(op) / 2;
        for (int s = 0; s < STACKS; s++) {
          int channels = (int) depthwise.get(s).shape()[0];
          y = ops.conv(ops.relu(y), depthwise.get(s), 1, pad, channels);
          y = ops.batchNorm(ops.conv(y, pointwise.get(s), 1, 0, 1), bns.get(s));
        }
        yield y;
      }
      case MAX_POOL_3X3 -> ops.pool(x, true);
      case AVG_POOL_3X3 -> ops.pool(x, false);
      case IDENTITY -> x;
    };
  }

  List<Param> params() {
    List<Param> all = new ArrayList<>();
    for (int s = 0; s < depthwise.size(); s++) {
      all.add(depthwise.get(s));
      all.add(pointwise.get(s));
      all.addAll(bns.get(s).params());
    }
    return all;
  }

  private static int kernel(MicroOp op) {
    return switch (op) {
      case SEP_CONV_3X3 -> 3;
      case SEP_CONV_5X5 -> 5;
      default -> 0;
    };
  }
}
