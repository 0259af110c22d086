package dev.enas.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.enas.server.archfixture.ActorThatSpeaksGrpc;
import dev.enas.server.domain.archfixture.DomainThatNamesTheWire;
import org.junit.jupiter.api.Test;

/** The rules themselves: each one catches the fixture that breaks it. */
class ArchitectureRulesTest {
  private static final JavaClasses FIXTURE =
      new ClassFileImporter().importClasses(ActorThatSpeaksGrpc.class);

  @Test
  void grpcOutsideApiAndAppIsCaught() {
    assertThatThrownBy(() -> ServerArchitecture.ONLY_API_AND_APP_TOUCH_GRPC.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(ActorThatSpeaksGrpc.class.getName())
        .hasMessageContaining("io.grpc.Status");
  }

  @Test
  void aWireMessageOutsideTheAdaptersIsCaught() {
    assertThatThrownBy(
            () -> ServerArchitecture.ONLY_THE_ADAPTERS_TOUCH_WIRE_MESSAGES.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("dev.enas.proto.v1.Search");
  }

  @Test
  void aGrpcAdapterOfApiUsedOutsideItIsCaught() {
    assertThatThrownBy(
            () -> ServerArchitecture.ONLY_THE_ADAPTERS_USE_THE_API_PACKAGE.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("dev.enas.server.api.GrpcServer");
  }

  @Test
  void aDomainTypeNamingTheWireOrAnAdapterIsCaught() {
    JavaClasses domain = new ClassFileImporter().importClasses(DomainThatNamesTheWire.class);
    assertThatThrownBy(() -> ServerArchitecture.THE_DOMAIN_NAMES_NO_GRPC.check(domain))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("dev.enas.proto.v1.Search")
        .hasMessageContaining("dev.enas.server.api.GrpcServer");
  }

  @Test
  void onnxRuntimeOutsideServingIsCaughtByItsFullName() {
    assertThatThrownBy(() -> ServerArchitecture.ONLY_SERVING_TOUCHES_ONNX_RUNTIME.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ai.onnxruntime.OrtEnvironment");
  }
}
