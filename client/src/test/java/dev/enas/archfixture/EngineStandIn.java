package dev.enas.archfixture;

/**
 * Stands in for a class of the engine or the server, which are not on the client's class path: any
 * enas class outside the client and the contract. Used only by the client's architecture test.
 */
public final class EngineStandIn {
  public static String describe() {
    return "not the contract";
  }

  private EngineStandIn() {}
}
