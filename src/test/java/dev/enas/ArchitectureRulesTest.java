package dev.enas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.enas.archfixture.BreaksEveryEngineRule;
import dev.enas.export.OnnxExporter;
import dev.enas.supernet.Supernet;
import org.junit.jupiter.api.Test;

/**
 * The rules themselves: each one catches the fixture that breaks it, including references by fully
 * qualified name, and lets the packages it allows through.
 */
class ArchitectureRulesTest {
  private static final JavaClasses FIXTURE =
      new ClassFileImporter().importClasses(BreaksEveryEngineRule.class);

  @Test
  void anEngineClassUsingOnnxRuntimeByItsFullNameIsCaught() {
    assertThatThrownBy(() -> EngineArchitecture.ENGINE_IS_A_PLAIN_LIBRARY.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(BreaksEveryEngineRule.class.getName())
        .hasMessageContaining("ai.onnxruntime.OrtEnvironment");
  }

  @Test
  void djlOutsideTheSupernetAndTrainPackagesIsCaught() {
    assertThatThrownBy(() -> EngineArchitecture.ONLY_SUPERNET_AND_TRAIN_TOUCH_DJL.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ai.djl.ndarray.NDManager");
  }

  @Test
  void onnxClassesOutsideTheExportPackageAreCaught() {
    assertThatThrownBy(() -> EngineArchitecture.ONLY_EXPORT_TOUCHES_ONNX.check(FIXTURE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ai.onnx.proto.OnnxMl");
  }

  @Test
  void thePackagesARuleAllowsPass() {
    JavaClasses allowed = new ClassFileImporter().importClasses(Supernet.class, OnnxExporter.class);
    EngineArchitecture.ONLY_SUPERNET_AND_TRAIN_TOUCH_DJL.check(allowed);
    EngineArchitecture.ONLY_EXPORT_TOUCHES_ONNX.check(allowed);
    assertThat(allowed.contain(Supernet.class)).isTrue();
  }
}
