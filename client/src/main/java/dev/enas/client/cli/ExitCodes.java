package dev.enas.client.cli;

/**
 * The exit codes of {@code enas}, one meaning each, so that scripts can tell a failed search from a
 * mistyped command from an unreachable server.
 */
final class ExitCodes {
  /** The command did what it was asked; a watched search succeeded. */
  static final int OK = 0;

  /** A watched search failed (or the client met an unexpected error). */
  static final int SEARCH_FAILED = 1;

  /** The command line was wrong: unknown option, malformed value, unreadable spec file. */
  static final int USAGE = 2;

  /** The server refused or could not be reached; the status code is printed. */
  static final int SERVER_ERROR = 3;

  /**
   * A watched search was cancelled: 128 + SIGINT, what a shell reports for an interrupted command,
   * since a cancelled search is one that was interrupted.
   */
  static final int SEARCH_CANCELLED = 130;

  private ExitCodes() {}
}
