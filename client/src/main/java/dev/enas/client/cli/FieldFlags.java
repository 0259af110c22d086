package dev.enas.client.cli;

import java.util.Map;

/**
 * A command whose options set request fields, so that a server error naming a field can also name
 * the option to change.
 */
interface FieldFlags {
  /** Request field paths, as BadRequest names them, to the option that sets each. */
  Map<String, String> flagsByField();
}
