package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server distribution that {@code package} writes (server/target/enas-server-VERSION-dist:
 * bin/, lib/, conf/), started as an operator starts it: its own script, its own class path, an
 * installation's conf/enas.conf. It runs a small real search to the end (so the PyTorch natives
 * load from lib/), stops on SIGTERM with exit code 0, and deploy/'s systemd unit, pointed at it,
 * passes systemd-analyze. Runs in verify (failsafe), after the distribution is built.
 */
class DistributionIT {
  private static Path dist;

  @TempDir Path dir;

  @BeforeAll
  static void findDistribution() throws IOException {
    Properties version = new Properties();
    try (InputStream in = DistributionIT.class.getResourceAsStream("/enas-version.properties")) {
      version.load(in);
    }
    dist =
        Path.of("target", "enas-server-" + version.getProperty("version") + "-dist")
            .toAbsolutePath();
    assertThat(dist.resolve("bin/enas-server")).isExecutable();
    assertThat(dist.resolve("conf/enas.conf")).isRegularFile();
    assertThat(dist.resolve("conf/jvm.options")).isRegularFile();
    assertThat(dist.resolve("lib/enas-server-" + version.getProperty("version") + ".jar"))
        .isRegularFile();
  }

  @Test
  void theDistributionServesASearchToItsEndAndStopsCleanlyOnSigterm() throws Exception {
    // An installation: the distribution's bin/ and lib/, a conf/ of its own whose data folder is
    // not the default, so that a journal there proves the script reads conf/enas.conf.
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.createSymbolicLink(home.resolve("lib"), dist.resolve("lib"));
    Path conf = Files.createDirectories(home.resolve("conf"));
    Files.copy(dist.resolve("conf/jvm.options"), conf.resolve("jvm.options"));
    Path data = dir.resolve("installed-data");
    Files.writeString(
        conf.resolve("enas.conf"),
        Files.readString(dist.resolve("conf/enas.conf")) + "\nenas.data-dir = \"" + data + "\"\n");
    ProcessBuilder builder =
        new ProcessBuilder(
            dist.resolve("bin/enas-server").toString(), "serve", "--port", "0", "--http-port", "0");
    builder.environment().put("ENAS_HOME", home.toString());
    builder.environment().remove("ENAS_DATA_DIR");
    try (ServerProcess server = ServerProcess.launch(builder, dir.resolve("server.log"))) {
      assertThat(data.resolve("journal")).isDirectory();
      assertThat(
              HealthGrpc.newBlockingStub(server.channel())
                  .withDeadlineAfter(1, TimeUnit.MINUTES)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      String id =
          server
              .stub()
              .createSearch(
                  CreateSearchRequest.newBuilder()
                      .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 7)))
                      .setSearchId("dist")
                      .build())
              .getId();
      List<SearchEvent> events = new ArrayList<>();
      server
          .stub()
          .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
          .forEachRemaining(events::add);
      assertThat(events).last().matches(SearchEvent::hasFinished, "finished");
      SearchEvent.Finished finished = events.get(events.size() - 1).getFinished();
      assertThat(finished.getParameters()).isPositive();
      assertThat(finished.getArchitecture().getEncoding()).startsWith("macro:");
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).getSequence()).isEqualTo(i);
      }

      assertThat(server.terminate(2, TimeUnit.MINUTES)).isZero();
    }
    assertThat(Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8))
        .contains("enas server listening on");
  }

  @Test
  void theSystemdUnitVerifiesAgainstTheDistribution() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
        "systemd-analyze is not here (a machine without systemd): the unit is not verified");
    String unit = Files.readString(Path.of("..", "deploy", "systemd", "enas-server.service"));
    assertThat(unit).contains("/opt/enas/bin/enas-server");
    // The unit as installed with the distribution in /opt/enas, pointed at this one instead.
    Path installed = dir.resolve("enas-server.service");
    Files.writeString(installed, unit.replace("/opt/enas", dist.toString()));
    Process verify =
        new ProcessBuilder("/usr/bin/systemd-analyze", "verify", installed.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(2, TimeUnit.MINUTES)).isTrue();
    // systemd-analyze exits 0 on unknown keys and only warns: any output is a finding.
    assertThat(output).isEmpty();
    assertThat(verify.exitValue()).isZero();
  }
}
