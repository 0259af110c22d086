package dev.enas.client;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.enas.archfixture.EngineStandIn;
import dev.enas.client.archfixture.ClientThatReadsTheEngine;
import org.junit.jupiter.api.Test;

/**
 * The client depends on the contract alone (DESIGN.md: proto &lt;- client): of the project's code
 * it may use only its own classes and the generated ones of enas-proto, never the engine or the
 * server, so that it talks to any server that speaks the contract.
 */
class ArchitectureTest {
  static final ArchRule CLIENT_DEPENDS_ON_THE_CONTRACT_ONLY =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.client..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.enas..")
                  .and(resideOutsideOfPackages("dev.enas.client..", "dev.enas.proto.."))
                  .as("classes of enas other than the client's and the contract's"))
          .because("the client speaks the contract, not the server's or the engine's classes");

  @Test
  void theClientsMainClassesUseOnlyTheContract() {
    JavaClasses main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.enas.client");
    CLIENT_DEPENDS_ON_THE_CONTRACT_ONLY.check(main);
  }

  @Test
  void aClientClassUsingTheEngineIsCaught() {
    JavaClasses fixture = new ClassFileImporter().importClasses(ClientThatReadsTheEngine.class);
    assertThatThrownBy(() -> CLIENT_DEPENDS_ON_THE_CONTRACT_ONLY.check(fixture))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(ClientThatReadsTheEngine.class.getName())
        .hasMessageContaining(EngineStandIn.class.getName());
  }
}
