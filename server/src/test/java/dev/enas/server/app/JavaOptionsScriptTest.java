package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM options server/enas-server starts with (server/java-options): jvm.options first, then
 * ENAS_JAVA_OPTS, and a collector chosen there replacing the default one, checked against a real
 * JVM, which refuses to start with two.
 */
class JavaOptionsScriptTest {
  private static final Path SCRIPT = Path.of("java-options");

  private static String options(String enasJavaOpts) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString());
    if (enasJavaOpts == null) {
      builder.environment().remove("ENAS_JAVA_OPTS");
    } else {
      builder.environment().put("ENAS_JAVA_OPTS", enasJavaOpts);
    }
    Result result = run(builder);
    assertThat(result.exit()).as(result.output()).isZero();
    return result.output().strip();
  }

  private record Result(int exit, String output) {}

  private static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
    ExternalClients.Run run = ExternalClients.run(builder, 60, TimeUnit.SECONDS);
    return new Result(run.exit(), run.output());
  }

  /** Starts a JVM with the options and asks for its version: fails on clashing options. */
  private static Result javaVersion(String options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(options.split(" ")));
    command.add("-version");
    return run(new ProcessBuilder(command));
  }

  @Test
  void withoutEnasJavaOptsTheServerRunsTheParallelCollector() throws Exception {
    assertThat(options(null)).isEqualTo("-XX:+UseParallelGC");
    assertThat(options("")).isEqualTo("-XX:+UseParallelGC");
  }

  @Test
  void enasJavaOptsComeAfterTheDefaultsSoThatTheyWin() throws Exception {
    assertThat(options("-Xmx2g -Denas.serving.threads=4"))
        .isEqualTo("-XX:+UseParallelGC -Xmx2g -Denas.serving.threads=4");
  }

  @Test
  void aCollectorChosenInEnasJavaOptsReplacesTheDefaultOne() throws Exception {
    String options = options("-XX:+UseG1GC -Dx=1");

    assertThat(options).isEqualTo("-XX:+UseG1GC -Dx=1");
    assertThat(javaVersion(options).exit()).isZero();
    Result clash = javaVersion("-XX:+UseParallelGC -XX:+UseG1GC");
    assertThat(clash.exit()).as("the JVM refuses two collectors, which is why").isNotZero();
    assertThat(clash.output()).contains("Multiple garbage collectors selected");
  }
}
