package dev.enas;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/**
 * The engine's layering (DESIGN.md, "Dependency direction"; STYLE.md, "Shape") as ArchUnit rules on
 * bytecode, so that a fully qualified name in the middle of a method counts as much as an import.
 * ArchitectureTest checks them on the main classes; ArchitectureRulesTest shows that each catches a
 * class that breaks it.
 */
final class EngineArchitecture {
  private EngineArchitecture() {}

  /** The engine is a plain library: no actors, no RPC, no inference runtime, no server code. */
  static final ArchRule ENGINE_IS_A_PLAIN_LIBRARY =
      noClasses()
          .that()
          .resideInAPackage("dev.enas..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.apache.pekko..",
              "akka..",
              "io.grpc..",
              "com.google.rpc..",
              "ai.onnxruntime..",
              "dev.enas.server..",
              "dev.enas.client..",
              "dev.enas.proto..")
          .because("the engine is a plain library: the server wraps it, never the other way round");

  /** Only the packages that train networks touch DJL. */
  static final ArchRule ONLY_SUPERNET_AND_TRAIN_TOUCH_DJL =
      noClasses()
          .that()
          .resideInAPackage("dev.enas..")
          .and()
          .resideOutsideOfPackages("dev.enas.supernet..", "dev.enas.train..", "dev.enas.demo..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.djl..")
          .because("NDArrays stay behind the supernet and the training loop (STYLE.md)");

  /** Only the export package touches the ONNX protobuf classes. */
  static final ArchRule ONLY_EXPORT_TOUCHES_ONNX =
      noClasses()
          .that()
          .resideInAPackage("dev.enas..")
          .and()
          .resideOutsideOfPackage("dev.enas.export..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("ai.onnx..", "org.tribuo..")
          .because("a change of ONNX library touches one package");
}
