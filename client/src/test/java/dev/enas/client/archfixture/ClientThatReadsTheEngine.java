package dev.enas.client.archfixture;

/**
 * Deliberately wrong, and only in the test sources: a client class that calls enas code other than
 * the contract, by its fully qualified name. ArchitectureTest shows that the rule catches it.
 */
public final class ClientThatReadsTheEngine {
  private ClientThatReadsTheEngine() {}

  static String describe() {
    return dev.enas.archfixture.EngineStandIn.describe();
  }
}
