package dev.enas.space;

/**
 * An architecture text or decision vector that does not belong to its search space. The message
 * names the position (layer, node, token) and the accepted range, so a user can fix the input.
 */
public final class ArchitectureFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ArchitectureFormatException(String message) {
    super(message);
  }
}
