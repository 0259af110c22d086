package dev.enas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core never loads ONNX Runtime, and only its export package reads or writes the ONNX
 * protobuf classes, so a change of ONNX library touches one package. Reads the sources rather than
 * bytecode: a forbidden import is what a reviewer would flag.
 */
class PackageBoundariesTest {
  private static final Path SOURCES = Path.of("main", "java");
  private static final Path EXPORT = Path.of("dev", "enas", "export");

  @Test
  void onlyTheExportPackageImportsOnnxAndNothingImportsOnnxRuntime() throws IOException {
    assertThat(SOURCES).as("run from the core module").isDirectory();
    List<String> offences = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path relative = SOURCES.relativize(file);
        for (String line : Files.readAllLines(file)) {
          String s = line.strip();
          boolean runtime = s.startsWith("import ai.onnxruntime.");
          boolean onnx = s.startsWith("import ai.onnx.") || s.startsWith("import org.tribuo.");
          if (runtime || (onnx && !relative.startsWith(EXPORT))) {
            offences.add(relative + ": " + s);
          }
        }
      }
    }
    assertThat(offences).isEmpty();
  }
}
