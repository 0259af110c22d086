package dev.enas.supernet;

/**
 * Hyper-parameters of the shared-weight optimizer: Nesterov momentum, L2 weight decay (added to the
 * gradient of every weight a step uses) and the bound on the global gradient norm over those
 * weights (0 turns clipping off).
 */
public record SgdSettings(double momentum, double weightDecay, double maxGradNorm) {

  public SgdSettings {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), was " + momentum);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be finite and >= 0, was " + weightDecay);
    }
    if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
      throw new IllegalArgumentException("maxGradNorm must be finite and >= 0, was " + maxGradNorm);
    }
  }

  /** The paper's CIFAR macro search: momentum 0.9, L2 2.5e-4, clip 5 (released code). */
  public static SgdSettings macroDefaults() {
    return new SgdSettings(0.9, 2.5e-4, 5.0);
  }

  /** The paper's CIFAR micro search: momentum 0.9, L2 1e-4, clip 5 (released code). */
  public static SgdSettings microDefaults() {
    return new SgdSettings(0.9, 1e-4, 5.0);
  }
}
