package dev.enas.controller;

import java.util.Map;

/**
 * Adam with a first-moment decay of 0, as the ENAS controller uses: the step is the current
 * gradient divided by the root of a moving average of squared gradients.
 */
final class Adam {
  private final ParameterSet secondMoment;
  private final double beta2;
  private final double epsilon;
  private long steps;

  Adam(ParameterSet like, double beta2, double epsilon) {
    this.secondMoment = like.zerosLike();
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  void step(ParameterSet params, ParameterSet grads, double learningRate) {
    steps++;
    double correction = 1 - Math.pow(beta2, steps);
    for (String name : params.names()) {
      double[] p = params.get(name);
      double[] g = grads.get(name);
      double[] v = secondMoment.get(name);
      for (int i = 0; i < p.length; i++) {
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= learningRate * g[i] / (Math.sqrt(v[i] / correction) + epsilon);
      }
    }
  }

  ParameterSet secondMoment() {
    return secondMoment;
  }

  long steps() {
    return steps;
  }

  void restore(Map<String, double[]> moments, long stepCount) {
    secondMoment.load(moments);
    this.steps = stepCount;
  }
}
