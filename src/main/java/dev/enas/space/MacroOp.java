package dev.enas.space;

/** The operations a layer of the macro space can run (ENAS section 2.3), in encoding order. */
public enum MacroOp {
  CONV_3X3("conv3x3"),
  CONV_5X5("conv5x5"),
  SEP_CONV_3X3("sep3x3"),
  SEP_CONV_5X5("sep5x5"),
  MAX_POOL_3X3("max3x3"),
  AVG_POOL_3X3("avg3x3");

  private final String shortName;

  MacroOp(String shortName) {
    this.shortName = shortName;
  }

  /** The name used in logs and descriptions. */
  public String shortName() {
    return shortName;
  }

  /** Kernel size of the convolution or pooling window. */
  public int kernel() {
    return switch (this) {
      case CONV_5X5, SEP_CONV_5X5 -> 5;
      default -> 3;
    };
  }
}
