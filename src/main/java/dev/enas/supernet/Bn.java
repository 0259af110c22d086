package dev.enas.supernet;

import java.util.List;

/**
 * The four tensors of one batch normalization over channels: learned scale and shift, and the
 * running mean and variance that only a training-mode pass through this very layer updates.
 */
record Bn(Param gamma, Param beta, Param mean, Param variance) {

  static Bn create(ParamStore store, String name, int channels) {
    return new Bn(
        store.constantWeight(name + ".gamma", 1f, channels),
        store.constantWeight(name + ".beta", 0f, channels),
        store.statistic(name + ".mean", 0f, channels),
        store.statistic(name + ".variance", 1f, channels));
  }

  List<Param> params() {
    return List.of(gamma, beta, mean, variance);
  }
}
