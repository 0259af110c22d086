package dev.enas.server;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import dev.enas.server.api.ModelAccess;
import dev.enas.server.api.SearchControl;
import dev.enas.server.api.SpecJson;
import dev.enas.server.api.WireViews;

/**
 * The server's layering (STYLE.md, "Shape") as ArchUnit rules on bytecode. ArchitectureTest checks
 * them on the main classes; ArchitectureRulesTest shows that each catches a class that breaks it.
 */
final class ServerArchitecture {
  private ServerArchitecture() {}

  /**
   * Only the api package (the gRPC adapters) and app (the composition root that picks the
   * transport) touch gRPC or the wire messages, so that the actors and the store can change
   * transport or contract version without noticing.
   */
  static final ArchRule ONLY_API_AND_APP_TOUCH_GRPC =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.server..")
          .and()
          .resideOutsideOfPackages("dev.enas.server.api..", "dev.enas.server.app..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.grpc..", "com.google.rpc..")
          .because("only api adapts the domain to gRPC");

  /**
   * The wire messages: api builds them, app picks the transport, and http serves the same messages
   * as JSON (it builds none itself: it asks api's {@code WireViews}).
   */
  static final ArchRule ONLY_THE_ADAPTERS_TOUCH_WIRE_MESSAGES =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.server..")
          .and()
          .resideOutsideOfPackages(
              "dev.enas.server.api..", "dev.enas.server.app..", "dev.enas.server.http..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.enas.proto..")
          .because("only the API's adapters speak the contract");

  /**
   * The api package is the gRPC adapters: nothing outside api and app uses them, but for the few
   * classes the HTTP adapter and the model export share with them (the HTTP adapter's ways to the
   * wire messages, the served models and the search RPCs that change something), none of which
   * names a gRPC class. The types the actors share with the adapters live in the domain package.
   */
  static final ArchRule ONLY_THE_ADAPTERS_USE_THE_API_PACKAGE =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.server..")
          .and()
          .resideOutsideOfPackages("dev.enas.server.api..", "dev.enas.server.app..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.enas.server.api..")
                  .and(
                      not(
                          belongToAnyOf(
                              // The HTTP adapter's one way to the wire messages, which names no
                              // gRPC class.
                              WireViews.class,
                              // The HTTP adapter's way to the served models, which names no gRPC
                              // class.
                              ModelAccess.class,
                              // The HTTP adapter's way to the search RPCs that change something,
                              // likewise.
                              SearchControl.class,
                              // A spec's wire JSON for a model's provenance: strings and core specs
                              // only.
                              SpecJson.class)))
                  .as("gRPC adapters of the api package"))
          .because("the actors must not reach into the gRPC adapters");

  /** The domain types name no gRPC class, no wire message and no adapter. */
  static final ArchRule THE_DOMAIN_NAMES_NO_GRPC =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.server.domain..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.rpc..",
              "dev.enas.proto..",
              "dev.enas.server.api..",
              "dev.enas.server.http..")
          .because("the actors use them, and the actors know nothing of gRPC");

  /** Only the serving package touches ONNX Runtime: one package owns every native session. */
  static final ArchRule ONLY_SERVING_TOUCHES_ONNX_RUNTIME =
      noClasses()
          .that()
          .resideInAPackage("dev.enas.server..")
          .and()
          .resideOutsideOfPackage("dev.enas.server.serving..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.onnxruntime..")
          .because("the rest of the server sees heap tensors");
}
