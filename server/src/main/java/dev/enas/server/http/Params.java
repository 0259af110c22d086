package dev.enas.server.http;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's query parameters, checked against what the endpoint accepts: an unknown parameter, a
 * repeated single one or a value out of range is a 400 naming the parameter and what it accepts,
 * rather than being ignored (a mistyped {@code page_sise} silently giving the default page is the
 * kind of surprise this rules out).
 */
final class Params {
  private final Map<String, List<String>> values;

  private Params(Map<String, List<String>> values) {
    this.values = values;
  }

  /** The parameters of a request to an endpoint that accepts the named ones. */
  static Params of(Map<String, List<String>> values, Set<String> accepted) {
    for (String name : values.keySet()) {
      if (!accepted.contains(name)) {
        throw HttpError.badParameter(
            name,
            "is not a parameter of this endpoint, which takes "
                + (accepted.isEmpty() ? "none" : String.join(", ", new TreeSet<>(accepted))));
      }
    }
    return new Params(values);
  }

  /** Every value of a repeatable parameter, comma-separated lists split. */
  List<String> all(String name) {
    return values.getOrDefault(name, List.of()).stream()
        .flatMap(value -> List.of(value.split(",", -1)).stream())
        .map(String::strip)
        .toList();
  }

  /** The one value of a parameter, or {@code fallback} when it is absent. */
  String one(String name, String fallback) {
    List<String> given = values.getOrDefault(name, List.of());
    if (given.size() > 1) {
      throw HttpError.badParameter(
          name, "must be given at most once, was given " + given.size() + " times");
    }
    return given.isEmpty() ? fallback : given.get(0);
  }

  /** An integer parameter in {@code min..max}; {@code fallback} when absent. */
  long integer(String name, long min, long max, long fallback) {
    String text = one(name, null);
    if (text == null) {
      return fallback;
    }
    return integer(name, text, min, max);
  }

  /** A parameter's or header's text as an integer in {@code min..max}. */
  static long integer(String name, String text, long min, long max) {
    long value;
    try {
      value = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw HttpError.badParameter(
          name, "must be an integer in " + min + ".." + max + ", was " + quote(text));
    }
    if (value < min || value > max) {
      throw HttpError.badParameter(name, "must be in " + min + ".." + max + ", was " + value);
    }
    return value;
  }

  static String quote(String text) {
    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return "'" + shown.replace("'", "\\'") + "'";
  }
}
