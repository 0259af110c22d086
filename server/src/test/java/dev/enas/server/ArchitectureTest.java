package dev.enas.server;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The server's main classes keep its layering (see {@link ServerArchitecture}). */
@AnalyzeClasses(packages = "dev.enas.server", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule onlyApiAndAppTouchGrpc = ServerArchitecture.ONLY_API_AND_APP_TOUCH_GRPC;

  @ArchTest
  static final ArchRule onlyTheAdaptersTouchWireMessages =
      ServerArchitecture.ONLY_THE_ADAPTERS_TOUCH_WIRE_MESSAGES;

  @ArchTest
  static final ArchRule onlyTheAdaptersUseTheApiPackage =
      ServerArchitecture.ONLY_THE_ADAPTERS_USE_THE_API_PACKAGE;

  @ArchTest
  static final ArchRule theDomainNamesNoGrpc = ServerArchitecture.THE_DOMAIN_NAMES_NO_GRPC;

  @ArchTest
  static final ArchRule onlyServingTouchesOnnxRuntime =
      ServerArchitecture.ONLY_SERVING_TOUCHES_ONNX_RUNTIME;
}
