package dev.enas.client.cli;

import dev.enas.proto.v1.Progress;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchSpec;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enas search get}: one search as a readable summary, or as the JSON of the message. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Show one search: state, progress, best architecture, result.")
final class GetCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Option(names = "--json", description = "The whole enas.v1.Search as JSON, spec included.")
  boolean json;

  @Override
  public Integer call() {
    Search search = client().getSearch(searchId);
    if (json) {
      out().println(Text.json(search));
    } else {
      summary(search, out());
    }
    out().flush();
    return ExitCodes.OK;
  }

  private static void summary(Search s, PrintWriter out) {
    SearchSpec spec = s.getSpec();
    Progress p = s.getProgress();
    row(out, "id", s.getId());
    String state = Text.state(s.getState());
    String phase = Text.phase(s.getPhase());
    row(out, "state", state.equals(phase) ? state : state + " (" + phase + ")");
    row(out, "space", space(spec));
    row(out, "dataset", spec.getData().getDataset());
    row(
        out,
        "controller",
        spec.getController()
            .getKind()
            .name()
            .replace("CONTROLLER_KIND_", "")
            .toLowerCase(Locale.ROOT));
    row(out, "seed", Long.toString(spec.getSeed()));
    row(
        out,
        "progress",
        "epoch "
            + p.getEpoch()
            + " of "
            + p.getEpochs()
            + ", "
            + Text.count(p.getSteps())
            + " steps, "
            + Text.count(p.getControllerUpdates())
            + " controller updates, "
            + Text.count(p.getArchitecturesSampled())
            + " architectures sampled; final training "
            + p.getFinalEpoch()
            + " of "
            + p.getFinalEpochs()
            + " epochs");
    if (s.hasBest()) {
      row(
          out,
          "best",
          Text.decimal(s.getBest().getReward())
              + "  "
              + s.getBest().getArchitecture().getEncoding());
    }
    if (s.hasResult()) {
      String figure =
          s.getResult().hasTestPerplexity()
              ? "test perplexity " + Text.decimal(s.getResult().getTestPerplexity())
              : "test accuracy " + Text.decimal(s.getResult().getTestAccuracy());
      row(out, "result", figure + ", " + Text.count(s.getResult().getParameters()) + " parameters");
      row(out, "", s.getResult().getArchitecture().getEncoding());
      if (s.getResult().hasPlainBaseline()) {
        row(
            out,
            "plain",
            Text.plainBaseline(
                s.getResult().getPlainBaseline(),
                s.getResult().getTestAccuracy(),
                s.getResult().getTestPerplexity(),
                s.getResult().hasTestPerplexity()));
        row(out, "", s.getResult().getPlainBaseline().getArchitecture().getEncoding());
      }
      if (s.getResult().hasRankCheck()) {
        row(out, "rank check", Text.rankCheck(s.getResult().getRankCheck()));
      }
    }
    if (!s.getModelName().isEmpty()) {
      row(
          out,
          "model",
          s.getModelName()
              + " version "
              + s.getModelVersion()
              + (s.getResult().hasTestPerplexity()
                  ? " (a one-step language model, served through ModelInfer)"
                  : " (enas infer --model " + s.getModelName() + ")"));
    }
    if (!s.getFailureReason().isEmpty()) {
      row(out, "reason", s.getFailureReason());
    }
    row(out, "created", Text.time(s.getCreateTime()));
    row(out, "started", Text.time(s.getStartTime()));
    row(out, "ended", Text.time(s.getEndTime()));
    row(out, "events", Text.count(s.getEventCount()));
  }

  private static String space(SearchSpec spec) {
    SearchSpace kind = spec.getSpace().getKind();
    if (kind == SearchSpace.SEARCH_SPACE_MACRO) {
      return "macro, " + spec.getSpace().getLayers() + " layers";
    }
    if (kind == SearchSpace.SEARCH_SPACE_MICRO) {
      return "micro, " + spec.getSpace().getNodes() + " nodes per cell";
    }
    return kind.name();
  }

  private static void row(PrintWriter out, String label, String value) {
    out.println(String.format(Locale.ROOT, "%-11s %s", label, value).stripTrailing());
  }
}
