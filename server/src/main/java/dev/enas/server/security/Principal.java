package dev.enas.server.security;

import java.util.Objects;

/**
 * Who makes a call: the name of the token it presented and that token's role. Searches record their
 * creator's name as their owner.
 *
 * @param name the token's name, or {@link #ANONYMOUS} on a server without tokens
 * @param role what the caller may do
 */
public record Principal(String name, Role role) {
  /** The caller of a server without tokens, which may do everything (loopback only). */
  public static final String ANONYMOUS = "";

  public Principal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
  }

  /** Everyone on a server without tokens. */
  public static Principal anonymous() {
    return new Principal(ANONYMOUS, Role.ADMIN);
  }

  /**
   * Whether this caller may act on a search owned by {@code owner}: an admin on any, an operator on
   * its own (and on searches that predate tokens, which have no owner, only as admin).
   */
  public boolean mayManage(String owner) {
    return role == Role.ADMIN || (role == Role.OPERATOR && name.equals(owner));
  }
}
