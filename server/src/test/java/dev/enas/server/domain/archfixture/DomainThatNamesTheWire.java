package dev.enas.server.domain.archfixture;

/**
 * Deliberately wrong, and only in the test sources: a domain type that builds a wire message and
 * names a gRPC adapter, by their fully qualified names. ArchitectureRulesTest shows that the domain
 * rule catches it.
 */
public final class DomainThatNamesTheWire {
  private DomainThatNamesTheWire() {}

  static Object wireMessage() {
    return dev.enas.proto.v1.Search.getDefaultInstance();
  }

  static Class<?> adapter() {
    return dev.enas.server.api.GrpcServer.class;
  }
}
