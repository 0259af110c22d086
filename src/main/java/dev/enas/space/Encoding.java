package dev.enas.space;

import java.util.ArrayList;
import java.util.List;

/** Shared parsing helpers for the canonical text encodings; every error names its position. */
final class Encoding {
  private Encoding() {}

  /** Strips and checks the "kind:" prefix, returning the body. */
  static String body(String text, String kind) {
    if (text == null) {
      throw new ArchitectureFormatException("architecture text is missing");
    }
    String trimmed = text.strip();
    String prefix = kind + ":";
    if (!trimmed.startsWith(prefix)) {
      int colon = trimmed.indexOf(':');
      String found = colon < 0 ? trimmed : trimmed.substring(0, colon + 1);
      throw new ArchitectureFormatException(
          "expected the text to start with '" + prefix + "', found '" + shorten(found) + "'");
    }
    return trimmed.substring(prefix.length());
  }

  /** Splits on a separator character, keeping empty groups so they can be reported. */
  static List<String> split(String body, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= body.length(); i++) {
      if (i == body.length() || body.charAt(i) == separator) {
        parts.add(body.substring(start, i).strip());
        start = i + 1;
      }
    }
    return parts;
  }

  /** Parses the whitespace-separated integers of one group. */
  static int[] numbers(String group, String where) {
    if (group.isEmpty()) {
      return new int[0];
    }
    String[] tokens = group.split("\\s+");
    int[] values = new int[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      try {
        values[i] = Integer.parseInt(tokens[i]);
      } catch (NumberFormatException e) {
        throw new ArchitectureFormatException(
            where + ", value " + (i + 1) + ": '" + shorten(tokens[i]) + "' is not a whole number");
      }
    }
    return values;
  }

  static void checkRange(int value, int max, String what) {
    if (value < 0 || value > max) {
      throw new ArchitectureFormatException(what + " " + value + " is outside 0.." + max);
    }
  }

  static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
