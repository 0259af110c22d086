package dev.enas.controller;

/**
 * What one controller update did.
 *
 * @param policyVersion updates made so far, including this one
 * @param children samples the update aggregated
 * @param meanReward mean raw reward of those samples
 * @param meanEntropy mean entropy of those samples under the policy before the update
 * @param baseline moving-average baseline after the update
 * @param loss mean REINFORCE loss (with skip penalty) before the update
 * @param gradientNorm global gradient norm before clipping; 0 for a controller that does not learn
 */
public record UpdateResult(
    long policyVersion,
    int children,
    double meanReward,
    double meanEntropy,
    double baseline,
    double loss,
    double gradientNorm) {}
