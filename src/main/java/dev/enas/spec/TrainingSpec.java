package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * How a network's weights are trained: Nesterov-momentum SGD with L2 weight decay, gradient-norm
 * clipping and a cosine learning rate with warm restarts (SGDR). Used for the shared weights during
 * the search and for the final retraining.
 *
 * @param epochs passes over the training split
 * @param stepsPerEpoch minibatches per epoch; 0 means one full pass over the training split
 * @param learningRateMax top of the cosine schedule
 * @param learningRateMin bottom of the cosine schedule
 * @param restartPeriod epochs in the first cosine period (T0)
 * @param restartMultiplier growth of each following period (Tmul)
 * @param momentum Nesterov momentum
 * @param weightDecay L2 weight decay
 * @param gradientClip global gradient-norm bound; 0 turns clipping off
 * @param maxNonFiniteSteps consecutive steps with a NaN or infinite loss after which the run fails
 */
public record TrainingSpec(
    int epochs,
    int stepsPerEpoch,
    double learningRateMax,
    double learningRateMin,
    int restartPeriod,
    int restartMultiplier,
    double momentum,
    double weightDecay,
    double gradientClip,
    int maxNonFiniteSteps) {

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    Checks.intRange(out, prefix + "epochs", epochs, 1, 100_000);
    Checks.intRange(out, prefix + "stepsPerEpoch", stepsPerEpoch, 0, 10_000_000);
    Checks.positive(out, prefix + "learningRateMax", learningRateMax, 100);
    Checks.positive(out, prefix + "learningRateMin", learningRateMin, 100);
    if (learningRateMin > learningRateMax) {
      out.add(
          new FieldViolation(
              prefix + "learningRateMin",
              "must not exceed learningRateMax (" + learningRateMax + "), was " + learningRateMin));
    }
    Checks.intRange(out, prefix + "restartPeriod", restartPeriod, 1, 100_000);
    Checks.intRange(out, prefix + "restartMultiplier", restartMultiplier, 1, 100);
    Checks.range(out, prefix + "momentum", momentum, 0, 1, false);
    Checks.range(out, prefix + "weightDecay", weightDecay, 0, 1, true);
    Checks.range(out, prefix + "gradientClip", gradientClip, 0, 1e6, true);
    Checks.intRange(out, prefix + "maxNonFiniteSteps", maxNonFiniteSteps, 1, 1_000_000);
    return out;
  }
}
