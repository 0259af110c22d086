package dev.enas.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Only the api package may touch gRPC or the wire messages, so that the actors and the store can
 * change transport or contract version without noticing. The app package, the composition root
 * that picks a transport for the server, may name gRPC's builders too. Reads the sources rather than bytecode:
 * a forbidden import is what a reviewer would flag.
 */
class PackageBoundariesTest {
  private static final Path SOURCES = Path.of("src", "main", "java");
  private static final Path API = Path.of("dev", "enas", "server", "api");
  private static final Path APP = Path.of("dev", "enas", "server", "app");
  private static final List<String> WIRE_PREFIXES =
      List.of("import io.grpc.", "import com.google.rpc.", "import dev.enas.proto.");

  @Test
  void onlyTheApiPackageImportsGrpcOrTheWireMessages() throws IOException {
    assertThat(SOURCES).as("run from the server module").isDirectory();
    List<String> offences = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        if (SOURCES.relativize(file).startsWith(API) || SOURCES.relativize(file).startsWith(APP)) {
          continue;
        }
        for (String line : Files.readAllLines(file)) {
          if (WIRE_PREFIXES.stream().anyMatch(line.strip()::startsWith)) {
            offences.add(SOURCES.relativize(file) + ": " + line.strip());
          }
        }
      }
    }
    assertThat(offences).isEmpty();
  }

  /**
   * Only the serving package may touch ONNX Runtime, so that one package owns every native session
   * and the rest of the server sees heap tensors.
   */
  @Test
  void onlyTheServingPackageImportsOnnxRuntime() throws IOException {
    Path serving = Path.of("dev", "enas", "server", "serving");
    List<String> offences = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        if (SOURCES.relativize(file).startsWith(serving)) {
          continue;
        }
        for (String line : Files.readAllLines(file)) {
          if (line.strip().startsWith("import ai.onnxruntime.")) {
            offences.add(SOURCES.relativize(file) + ": " + line.strip());
          }
        }
      }
    }
    assertThat(offences).isEmpty();
  }
}
