package dev.enas.client;

/**
 * One bad field of a rejected request, as the server's google.rpc.BadRequest names it: the path
 * from the request message in the proto's snake_case names, for example {@code
 * spec.controller.learning_rate}.
 *
 * @param field path of the field at fault
 * @param description what is wrong with it, for people
 */
public record FieldViolation(String field, String description) {
  @Override
  public String toString() {
    return field + ": " + description;
  }
}
