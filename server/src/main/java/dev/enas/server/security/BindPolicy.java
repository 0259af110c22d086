package dev.enas.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where a server may listen. Without tokens anyone who reaches the port may do everything, and
 * without TLS tokens cross the network in clear; so only a loopback address is served by default,
 * and any other address without both needs the operator to say {@code --insecure}.
 */
public final class BindPolicy {
  private BindPolicy() {}

  /** The outcome: allowed, allowed with a warning for the log, or refused with the reason. */
  public record Decision(boolean allowed, String message) {}

  /**
   * @param host the address to listen on
   * @param tokens whether bearer tokens are configured
   * @param tls whether the port speaks TLS
   * @param insecure whether the operator passed {@code --insecure}
   */
  public static Decision check(String host, boolean tokens, boolean tls, boolean insecure) {
    if (isLoopback(host) || (tokens && tls)) {
      return new Decision(true, null);
    }
    String missing = !tokens && !tls ? "TLS and tokens" : !tls ? "TLS" : "tokens";
    if (insecure) {
      return new Decision(
          true,
          "serving "
              + host
              + " without "
              + missing
              + " (--insecure):"
              + " anyone who reaches the port "
              + (tokens
                  ? "can read tokens on the wire"
                  : "may create, cancel and delete searches and download every model"));
    }
    return new Decision(
        false,
        "listening on "
            + host
            + " without "
            + missing
            + " needs"
            + " --insecure; without it the server listens on loopback only (--host 127.0.0.1)");
  }

  /** Whether a host name or address is the loopback interface (unresolvable: not). */
  public static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
