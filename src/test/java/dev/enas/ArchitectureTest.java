package dev.enas;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The engine's main classes keep its layering (see {@link EngineArchitecture}). */
@AnalyzeClasses(packages = "dev.enas", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule engineIsAPlainLibrary = EngineArchitecture.ENGINE_IS_A_PLAIN_LIBRARY;

  @ArchTest
  static final ArchRule onlySupernetAndTrainTouchDjl =
      EngineArchitecture.ONLY_SUPERNET_AND_TRAIN_TOUCH_DJL;

  @ArchTest
  static final ArchRule onlyExportTouchesOnnx = EngineArchitecture.ONLY_EXPORT_TOUCHES_ONNX;
}
