package dev.enas.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The ready Grafana dashboard (deploy/grafana/enas-dashboard.json) queries only metrics the
 * README's table names, which MetricsEndToEndTest finds in a real scrape: a renamed metric cannot
 * leave an empty panel behind.
 */
class GrafanaDashboardTest {
  private static final Pattern METRIC = Pattern.compile("\\b((?:enas|jvm|process)_[a-z_]+)");
  private static final Pattern README_ROW = Pattern.compile("^\\|\\s*`([a-z_:]+)`\\s*\\|");

  @Test
  void everyQueryUsesADocumentedMetric() throws Exception {
    Set<String> documented = new TreeSet<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
      if (line.startsWith("#")) {
        inSection = line.strip().equals("### Metrics");
        continue;
      }
      Matcher row = README_ROW.matcher(line);
      if (inSection && row.find()) {
        documented.add(row.group(1));
      }
    }
    assertThat(documented).isNotEmpty();
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(Path.of("..", "deploy", "grafana", "enas-dashboard.json").toFile());
    int queries = 0;
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        queries++;
        Matcher metric = METRIC.matcher(target.get("expr").asText());
        assertThat(metric.find()).as(target.toString()).isTrue();
        do {
          String name = metric.group(1).replaceFirst("_(bucket|count|sum)$", "");
          assertThat(documented)
              .as("%s in panel '%s'", name, panel.get("title").asText())
              .contains(name);
        } while (metric.find());
      }
    }
    assertThat(queries).isGreaterThanOrEqualTo(dashboard.get("panels").size());
  }
}
