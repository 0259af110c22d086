package dev.enas.data;

/**
 * A data-set reference that may not be read: outside the data roots, missing, or not a folder. The
 * message is safe to show a caller: it holds no server path.
 */
public final class DataAccessException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public DataAccessException(String message) {
    super(message);
  }
}
