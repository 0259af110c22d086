package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/'s Dockerfile and systemd unit cross-checked with what they install and run: no container
 * runtime can pull a base image here, so the files are read, and every port, path, version and
 * setting they name is checked against the server's defaults, the distribution's layout and the
 * environment variables the server reads. DistributionIT starts the distribution itself.
 */
class DeployFilesTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final Pattern ENV_VARIABLE = Pattern.compile("\\$\\{\\?(ENAS_[A-Z_]+)}");

  /** The ENAS_* environment variables application.conf reads. */
  private static List<String> variablesTheServerReads() throws IOException {
    String conf = Files.readString(Path.of("src", "main", "resources", "application.conf"));
    List<String> names = new ArrayList<>();
    Matcher m = ENV_VARIABLE.matcher(conf);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The server's built-in settings, without what this machine's environment says. */
  private static Config defaults() {
    return ConfigFactory.parseResources("application.conf")
        .resolve(ConfigResolveOptions.noSystem());
  }

  private static String version() throws IOException {
    Properties p = new Properties();
    try (InputStream in = DeployFilesTest.class.getResourceAsStream("/enas-version.properties")) {
      p.load(in);
    }
    return p.getProperty("version");
  }

  /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
  private static List<String[]> instructions(String dockerfile) {
    List<String[]> out = new ArrayList<>();
    String joined = dockerfile.replaceAll("\\\\\\n", " ");
    for (String line : joined.split("\n")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+", 2);
      out.add(new String[] {parts[0], parts.length > 1 ? parts[1].strip() : ""});
    }
    return out;
  }

  private static List<String> all(List<String[]> instructions, String keyword) {
    return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
  }

  @Test
  void theDockerfileInstallsTheDistributionAndExposesTheServersPorts() throws IOException {
    List<String[]> dockerfile =
        instructions(Files.readString(DEPLOY.resolve("docker").resolve("Dockerfile")));
    Config defaults = defaults();

    assertThat(all(dockerfile, "FROM")).singleElement().asString().startsWith("eclipse-temurin:");
    assertThat(all(dockerfile, "ARG")).contains("ENAS_VERSION=" + version());
    // The COPY source is the folder the assembly writes (server/src/assembly/dist.xml, id dist).
    assertThat(Files.readString(Path.of("src", "assembly", "dist.xml")))
        .contains("<id>dist</id>")
        .contains("<format>dir</format>");
    assertThat(all(dockerfile, "COPY"))
        .containsExactly("server/target/enas-server-${ENAS_VERSION}-dist/ /opt/enas/");

    Map<String, String> env = new LinkedHashMap<>();
    for (String e : all(dockerfile, "ENV")) {
      for (String pair : e.split("\\s+")) {
        String[] kv = pair.split("=", 2);
        env.put(kv[0], kv[1]);
      }
    }
    assertThat(env).containsEntry("ENAS_HOME", "/opt/enas");
    List<String> read = variablesTheServerReads();
    env.keySet().stream()
        .filter(k -> !k.equals("ENAS_HOME"))
        .forEach(k -> assertThat(read).as("application.conf reads %s", k).contains(k));

    assertThat(all(dockerfile, "EXPOSE"))
        .singleElement()
        .isEqualTo(defaults.getInt("enas.server.port") + " " + defaults.getInt("enas.http.port"));
    assertThat(all(dockerfile, "VOLUME")).containsExactly(env.get("ENAS_DATA_DIR"));
    assertThat(all(dockerfile, "STOPSIGNAL")).containsExactly("SIGTERM");
    assertThat(all(dockerfile, "ENTRYPOINT"))
        .containsExactly("[\"" + env.get("ENAS_HOME") + "/bin/enas-server\"]");
    assertThat(Path.of("src", "dist", "bin", "enas-server")).isExecutable();
    assertThat(all(dockerfile, "CMD")).containsExactly("[\"serve\"]");
  }

  @Test
  void theSystemdUnitRunsTheDistributionWithSettingsTheServerReads() throws IOException {
    String unit = Files.readString(DEPLOY.resolve("systemd").resolve("enas-server.service"));
    assertThat(unit)
        .contains("ExecStart=/opt/enas/bin/enas-server serve\n")
        .contains("Environment=ENAS_HOME=/opt/enas\n")
        .contains("KillSignal=SIGTERM\n");
    List<String> read = variablesTheServerReads();
    Matcher m = Pattern.compile("(?m)^Environment=(ENAS_[A-Z_]+)=").matcher(unit);
    int checked = 0;
    while (m.find()) {
      if (!m.group(1).equals("ENAS_HOME")) {
        assertThat(read).as("application.conf reads %s", m.group(1)).contains(m.group(1));
        checked++;
      }
    }
    assertThat(checked).isPositive();
    // The stop timeout leaves the server its shutdown grace to checkpoint its searches.
    Config defaults = defaults();
    long grace = defaults.getDuration("enas.shutdown-grace").toSeconds();
    Matcher stop = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$").matcher(unit);
    assertThat(stop.find()).isTrue();
    assertThat(Long.parseLong(stop.group(1))).isGreaterThan(grace);
  }
}
