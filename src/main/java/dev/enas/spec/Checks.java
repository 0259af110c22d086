package dev.enas.spec;

import java.util.List;

/** Range checks that record a {@link FieldViolation} naming the field and the accepted range. */
final class Checks {
  private Checks() {}

  static void intRange(List<FieldViolation> out, String field, int value, int min, int max) {
    if (value < min || value > max) {
      out.add(new FieldViolation(field, "must be in " + min + ".." + max + ", was " + value));
    }
  }

  static void positive(List<FieldViolation> out, String field, double value, double max) {
    if (!(value > 0 && value <= max)) {
      out.add(
          new FieldViolation(
              field, "must be positive, finite and at most " + plain(max) + ", was " + value));
    }
  }

  /** value in [min, max] (or [min, max) when the maximum is exclusive). */
  static void range(
      List<FieldViolation> out,
      String field,
      double value,
      double min,
      double max,
      boolean maxInclusive) {
    boolean ok = value >= min && (maxInclusive ? value <= max : value < max);
    if (!ok) {
      out.add(
          new FieldViolation(
              field,
              "must be in ["
                  + plain(min)
                  + ", "
                  + plain(max)
                  + (maxInclusive ? "]" : ")")
                  + ", was "
                  + value));
    }
  }

  /** value in (min, max), both exclusive. */
  static void open(List<FieldViolation> out, String field, double value, double min, double max) {
    if (!(value > min && value < max)) {
      out.add(
          new FieldViolation(
              field, "must be in (" + plain(min) + ", " + plain(max) + "), was " + value));
    }
  }

  static String plain(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
  }
}
