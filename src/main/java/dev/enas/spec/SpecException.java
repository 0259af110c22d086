package dev.enas.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A spec with one or more invalid fields; raised before any work starts. */
public final class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final transient List<FieldViolation> violations;

  public SpecException(List<FieldViolation> violations) {
    super(violations.stream().map(FieldViolation::toString).collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  /** Every invalid field, in declaration order. */
  public List<FieldViolation> violations() {
    return violations;
  }

  /** Throws a SpecException if the list is not empty. */
  public static void throwIfAny(List<FieldViolation> violations) {
    if (!violations.isEmpty()) {
      throw new SpecException(violations);
    }
  }
}
