package dev.enas.server.security;

import java.util.Locale;

/**
 * What a caller may do. Each role includes the ones before it: a viewer reads (searches, events,
 * architectures, data sets, model metadata, inference); an operator also starts, cancels, deletes
 * and downloads its own searches; an admin does so for every search.
 */
public enum Role {
  VIEWER,
  OPERATOR,
  ADMIN;

  /** Whether this role may do what {@code required} may. */
  public boolean includes(Role required) {
    return compareTo(required) >= 0;
  }

  /** The role of a token-file or command-line name: viewer, operator or admin. */
  public static Role parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a role is viewer, operator or admin, was '" + name + "'");
    }
  }

  /** The lower-case name used in files and messages. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
