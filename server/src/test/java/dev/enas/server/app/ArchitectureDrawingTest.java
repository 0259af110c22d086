package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enas.space.Architecture;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MicroArchitecture;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.SearchSpaces;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard draws architectures from their canonical text with its own parser
 * (dashboard/archgraph.js). Run in Node.js on random architectures of the three spaces, that parser
 * must find exactly the nodes, edges and operations the engine's SearchSpaces.parse finds, and
 * reject what it rejects; so the drawing and the engine cannot disagree.
 */
class ArchitectureDrawingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path folder;

  @Test
  void theDashboardsParserFindsTheEnginesNodesAndEdgesInEverySpace() throws Exception {
    ExternalClients.require(
        ExternalClients.available("node", "--version"), "node", "apt-get install -y nodejs");
    Random random = new Random(15);
    List<String> encodings = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      encodings.add(macro(random, 1 + random.nextInt(12)));
      encodings.add(micro(random, 1 + random.nextInt(5)));
      encodings.add(rnn(random, 1 + random.nextInt(12)));
    }
    List<String> invalid =
        List.of(
            "macro: 6",
            "macro: 0 | 1",
            "micro: 0 0 0 0",
            "micro: 2 0 0 0 ;" + " 0 0 0 0",
            "rnn: 4",
            "rnn: 0 | 1 0",
            "cnn: 0");
    Path script = folder.resolve("check.js");
    String archgraph;
    try (InputStream in =
        getClass().getResourceAsStream("/dev/enas/server/http/dashboard/archgraph.js")) {
      archgraph = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.writeString(
        script,
        archgraph
            + "\n"
            + "const input = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\n"
            + "const out = input.map(e => { try { return archGraph.parse(e); }"
            + " catch (err) { return { error: err.message }; } });\n"
            + "process.stdout.write(JSON.stringify(out));\n");
    List<String> all = new ArrayList<>(encodings);
    all.addAll(invalid);
    Path input = folder.resolve("input.json");
    Files.writeString(input, JSON.writeValueAsString(all));
    String output =
        ExternalClients.succeed(List.of("node", script.toString(), input.toString()), 2);
    JsonNode parsed = JSON.readTree(output);
    assertThat(parsed.size()).isEqualTo(all.size());
    for (int i = 0; i < encodings.size(); i++) {
      String encoding = encodings.get(i);
      JsonNode drawn = parsed.get(i);
      assertThat(drawn.has("error")).as("%s: %s", encoding, drawn).isFalse();
      assertThat(edges(drawn)).as(encoding).isEqualTo(expectedEdges(SearchSpaces.parse(encoding)));
      assertThat(nodes(drawn)).as(encoding).isEqualTo(expectedNodes(SearchSpaces.parse(encoding)));
    }
    for (int i = 0; i < invalid.size(); i++) {
      assertThat(parsed.get(encodings.size() + i).has("error")).as(invalid.get(i)).isTrue();
    }
  }

  static String macro(Random random, int layers) {
    StringBuilder text = new StringBuilder("macro:");
    for (int i = 0; i < layers; i++) {
      text.append(i == 0 ? " " : " | ").append(random.nextInt(6));
      for (int j = 0; j < i; j++) {
        text.append(' ').append(random.nextInt(2));
      }
    }
    return text.toString();
  }

  static String micro(Random random, int nodes) {
    StringBuilder text = new StringBuilder("micro:");
    for (int cell = 0; cell < 2; cell++) {
      text.append(cell == 0 ? " " : " ; ");
      for (int k = 0; k < nodes; k++) {
        text.append(k == 0 ? "" : " | ")
            .append(random.nextInt(k + 2))
            .append(' ')
            .append(random.nextInt(5))
            .append(' ')
            .append(random.nextInt(k + 2))
            .append(' ')
            .append(random.nextInt(5));
      }
    }
    return text.toString();
  }

  static String rnn(Random random, int nodes) {
    StringBuilder text = new StringBuilder("rnn: ").append(random.nextInt(4));
    for (int l = 1; l < nodes; l++) {
      text.append(" | ").append(random.nextInt(l)).append(' ').append(random.nextInt(4));
    }
    return text.toString();
  }

  /** "cell/from>to:kind[:op]" for each edge the dashboard drew, sorted. */
  private static List<String> edges(JsonNode drawn) {
    List<String> out = new ArrayList<>();
    JsonNode cells = drawn.get("cells");
    for (int c = 0; c < cells.size(); c++) {
      for (JsonNode e : cells.get(c).get("edges")) {
        out.add(
            c
                + "/"
                + e.get("from").asText()
                + ">"
                + e.get("to").asText()
                + ":"
                + e.get("kind").asText()
                + (e.has("op") ? ":" + e.get("op").asInt() : ""));
      }
    }
    out.sort(null);
    return out;
  }

  /** "cell/id[:op or activation]" for each node the dashboard drew, sorted. */
  private static Set<String> nodes(JsonNode drawn) {
    Set<String> out = new TreeSet<>();
    JsonNode cells = drawn.get("cells");
    for (int c = 0; c < cells.size(); c++) {
      for (JsonNode n : cells.get(c).get("nodes")) {
        String choice =
            n.has("op")
                ? ":" + n.get("op").asInt()
                : n.has("activation") ? ":" + n.get("activation").asInt() : "";
        out.add(c + "/" + n.get("id").asText() + choice);
      }
    }
    return out;
  }

  /** The engine's edges in the form {@link #edges} gives the dashboard's. */
  static List<String> expectedEdges(Architecture architecture) {
    List<String> out = new ArrayList<>();
    if (architecture instanceof MacroArchitecture a) {
      for (int i = 0; i < a.layers(); i++) {
        out.add("0/" + (i == 0 ? "stem" : "L" + (i - 1)) + ">L" + i + ":input");
        for (int j = 0; j < i; j++) {
          if (a.skip(i, j)) {
            out.add("0/L" + j + ">L" + i + ":skip");
          }
        }
      }
      out.add("0/L" + (a.layers() - 1) + ">out:input");
    } else if (architecture instanceof MicroArchitecture a) {
      for (int cell = 0; cell < 2; cell++) {
        for (int k = 0; k < a.nodes(); k++) {
          for (int which = 0; which < 2; which++) {
            out.add(
                cell
                    + "/"
                    + a.input(cell, k, which)
                    + ">"
                    + (k + 2)
                    + ":op:"
                    + a.op(cell, k, which).ordinal());
          }
        }
        for (int loose : a.looseEnds(cell)) {
          out.add(cell + "/" + loose + ">out:output");
        }
      }
    } else if (architecture instanceof RnnArchitecture a) {
      out.add("0/x>0:input");
      out.add("0/h>0:input");
      for (int l = 1; l < a.nodes(); l++) {
        out.add("0/" + a.input(l) + ">" + l + ":input");
      }
      for (int loose : a.looseEnds()) {
        out.add("0/" + loose + ">out:output");
      }
    }
    out.sort(null);
    return out;
  }

  /** The engine's nodes in the form {@link #nodes} gives the dashboard's. */
  static Set<String> expectedNodes(Architecture architecture) {
    Set<String> out = new TreeSet<>();
    if (architecture instanceof MacroArchitecture a) {
      out.add("0/stem");
      out.add("0/out");
      for (int i = 0; i < a.layers(); i++) {
        out.add("0/L" + i + ":" + a.op(i).ordinal());
      }
    } else if (architecture instanceof MicroArchitecture a) {
      for (int cell = 0; cell < 2; cell++) {
        out.add(cell + "/0");
        out.add(cell + "/1");
        out.add(cell + "/out");
        for (int k = 0; k < a.nodes(); k++) {
          out.add(cell + "/" + (k + 2));
        }
      }
    } else if (architecture instanceof RnnArchitecture a) {
      out.add("0/x");
      out.add("0/h");
      out.add("0/out");
      for (int l = 0; l < a.nodes(); l++) {
        out.add("0/" + l + ":" + a.activation(l).ordinal());
      }
    }
    return out;
  }
}
