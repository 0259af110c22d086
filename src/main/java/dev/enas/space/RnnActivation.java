package dev.enas.space;

/**
 * The activations a node of the recurrent-cell space can apply (ENAS section 2.2), in encoding
 * order.
 */
public enum RnnActivation {
  TANH("tanh"),
  RELU("relu"),
  IDENTITY("identity"),
  SIGMOID("sigmoid");

  private final String shortName;

  RnnActivation(String shortName) {
    this.shortName = shortName;
  }

  /** The name used in logs and descriptions. */
  public String shortName() {
    return shortName;
  }

  /** The activation applied to one value, for reference computations and tests. */
  public double apply(double x) {
    return switch (this) {
      case TANH -> Math.tanh(x);
      case RELU -> Math.max(0, x);
      case IDENTITY -> x;
      case SIGMOID -> 1 / (1 + Math.exp(-x));
    };
  }
}
