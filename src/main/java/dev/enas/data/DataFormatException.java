package dev.enas.data;

import java.io.IOException;

/**
 * A data file that cannot be read as the format it claims to be. The message names the file, what
 * was expected and what was found, because the person who sees it usually has only the log to go
 * on.
 */
public final class DataFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  public DataFormatException(String message) {
    super(message);
  }

  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
