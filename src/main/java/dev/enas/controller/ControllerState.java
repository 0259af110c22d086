package dev.enas.controller;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A controller's complete state: parameters, optimizer moments, baseline, update count and the
 * random stream's position. Restoring it continues the identical sample sequence.
 *
 * @param kind "enas" or "random"
 * @param rngState position of the sampling stream
 * @param policyVersion updates made
 * @param baseline moving-average baseline (NaN before the first update)
 * @param parameters named parameter tensors (empty for the random controller)
 * @param adamSecondMoment Adam's second-moment estimates, by parameter name
 * @param adamSteps Adam steps taken (for bias correction)
 */
public record ControllerState(
    String kind,
    long rngState,
    long policyVersion,
    double baseline,
    Map<String, double[]> parameters,
    Map<String, double[]> adamSecondMoment,
    long adamSteps) {

  public ControllerState {
    parameters = deepCopy(parameters);
    adamSecondMoment = deepCopy(adamSecondMoment);
  }

  private static Map<String, double[]> deepCopy(Map<String, double[]> source) {
    Map<String, double[]> copy = new LinkedHashMap<>();
    source.forEach((name, values) -> copy.put(name, values.clone()));
    return Collections.unmodifiableMap(copy);
  }
}
