package dev.enas.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Nesterov-momentum SGD over an explicit set of weights, the ones a step's forward pass used.
 * Written here because DJL's PyTorch engine has no NAG and DJL's SGD momentum is not Nesterov, and
 * because a DJL {@code Trainer} would step every registered parameter, moving unused candidates
 * through momentum and weight decay.
 *
 * <p>Per weight w with gradient g: d = g + wd * w; all d are scaled by min(1, clip / ||d||) with
 * the global norm over the active weights (the released code clips the regularized gradient); then
 * v = mu * v + d and w = w - lr * (d + mu * v), as TensorFlow's and PyTorch's Nesterov updates.
 * Gradients of the active weights are zeroed afterwards in every case, since PyTorch accumulates
 * them.
 */
final class NesterovSgd {
  private final SgdSettings settings;

  NesterovSgd(SgdSettings settings) {
    this.settings = settings;
  }

  /** The outcome of one update: the norm before clipping and whether anything was written. */
  record Update(double gradientNorm, boolean applied, int tensors) {}

  /**
   * Updates the trainable members of {@code active} from their gradients; statistics are skipped.
   * Temporaries go to {@code step}, which the caller closes.
   */
  Update apply(Collection<Param> active, double learningRate, NDManager step) {
    List<Param> weights = active.stream().filter(Param::trainable).toList();
    long t = System.nanoTime();
    try {
      float wd = (float) settings.weightDecay();
      List<NDArray> directions = new ArrayList<>(weights.size());
      double squares = 0;
      for (Param p : weights) {
        NDArray g = p.value().getGradient();
        g.attach(step);
        NDArray d = p.value().mul(wd);
        d.attach(step);
        d.addi(g);
        squares += d.square().sum().getFloat();
        directions.add(d);
      }
      double norm = Math.sqrt(squares);
      t = StepProfile.add(StepProfile.Phase.NORM, t);
      if (!Double.isFinite(norm)) {
        return new Update(norm, false, 0);
      }
      double clip = settings.maxGradNorm();
      float scale = clip > 0 && norm > clip ? (float) (clip / norm) : 1f;
      float mu = (float) settings.momentum();
      float lr = (float) learningRate;
      for (int i = 0; i < weights.size(); i++) {
        Param p = weights.get(i);
        NDArray d = directions.get(i);
        if (scale != 1f) {
          d.muli(scale);
        }
        NDArray v = p.momentum();
        v.muli(mu).addi(d);
        NDArray delta = v.mul(mu);
        delta.attach(step);
        delta.addi(d).muli(lr);
        p.value().subi(delta);
      }
      return new Update(norm, true, weights.size());
    } finally {
      t = StepProfile.add(StepProfile.Phase.UPDATE, t);
      for (Param p : weights) {
        zeroGradient(p);
      }
      StepProfile.add(StepProfile.Phase.ZERO_GRAD, t);
    }
  }

  /**
   * Zeroes in place, so a NaN gradient is cleared too (subtracting it from itself would not be).
   */
  static void zeroGradient(Param p) {
    if (p.value() instanceof PtNDArray pt) {
      JniUtils.zeroGrad(pt);
    } else {
      throw new IllegalStateException("the supernet runs on the PyTorch engine only");
    }
  }
}
