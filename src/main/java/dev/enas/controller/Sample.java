package dev.enas.controller;

import dev.enas.space.Architecture;

/**
 * A child architecture drawn from a controller, with the policy's view of it at sampling time.
 *
 * @param architecture the child
 * @param logProbability log of the probability the policy gave this child (sum over decisions)
 * @param entropy entropy of the policy along this sample's path (sum over decisions)
 * @param skipPenalty KL(skip probability || target), summed over skip decisions; 0 without skips
 * @param policyVersion number of controller updates made before this sample was drawn
 */
public record Sample(
    Architecture architecture,
    double logProbability,
    double entropy,
    double skipPenalty,
    long policyVersion) {}
