package dev.enas.space;

/**
 * The operations a node input of the micro space can apply (ENAS section 2.4), in encoding order.
 */
public enum MicroOp {
  SEP_CONV_3X3("sep3x3"),
  SEP_CONV_5X5("sep5x5"),
  AVG_POOL_3X3("avg3x3"),
  MAX_POOL_3X3("max3x3"),
  IDENTITY("identity");

  private final String shortName;

  MicroOp(String shortName) {
    this.shortName = shortName;
  }

  /** The name used in logs and descriptions. */
  public String shortName() {
    return shortName;
  }
}
