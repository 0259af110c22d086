package dev.enas.spec;

/**
 * One invalid field of a spec: its dotted path (for example {@code controller.learningRate}) and a
 * description that states the accepted range and the value found. The API turns these into
 * google.rpc.BadRequest field violations.
 */
public record FieldViolation(String field, String description) {
  @Override
  public String toString() {
    return field + ": " + description;
  }
}
