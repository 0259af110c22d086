package dev.enas.snapshot;

/**
 * Bytes that are not a snapshot this build can read: too short, another file's header, a format
 * version it does not know, a payload cut short or changed since it was written (its checksum), or
 * contents that do not decode. Nothing is restored from such bytes; the message says which.
 */
public final class SnapshotFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SnapshotFormatException(String message) {
    super(message);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
