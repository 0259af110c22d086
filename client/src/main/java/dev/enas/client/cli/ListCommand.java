package dev.enas.client.cli;

import dev.enas.proto.v1.Progress;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchState;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code enas search list}: every search on the server, oldest first, as a table or JSON lines. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the searches on the server, oldest first.")
final class ListCommand extends ClientCommand implements Callable<Integer> {
  @Option(
      names = "--state",
      converter = Choices.StateConverter.class,
      paramLabel = "STATE",
      split = ",",
      description =
          "Only searches in these states: ${COMPLETION-CANDIDATES}"
              + " (repeat or separate with commas).")
  List<Choices.State> states = new ArrayList<>();

  @Option(names = "--json", description = "One search per line as JSON.")
  boolean json;

  @Override
  public Integer call() {
    SearchState[] filter = states.stream().map(s -> s.proto).toArray(SearchState[]::new);
    Iterator<Search> searches = client().listSearches(filter);
    List<List<String>> rows = new ArrayList<>();
    while (searches.hasNext()) {
      Search search = searches.next();
      if (json) {
        out().println(Text.jsonLine(search));
      } else {
        rows.add(
            List.of(
                search.getId(),
                Text.state(search.getState()),
                Text.phase(search.getPhase()),
                progress(search.getProgress()),
                search.hasBest() ? Text.decimal(search.getBest().getReward()) : "-",
                Text.time(search.getCreateTime())));
      }
    }
    if (!json) {
      if (rows.isEmpty()) {
        out().println(states.isEmpty() ? "no searches" : "no searches in state " + states);
      } else {
        Text.table(
                List.of("ID", "STATE", "PHASE", "PROGRESS", "BEST", "CREATED"),
                rows,
                new boolean[] {false, false, false, false, true, false})
            .forEach(out()::println);
      }
    }
    out().flush();
    return ExitCodes.OK;
  }

  private static String progress(Progress p) {
    if (p.getFinalEpoch() > 0) {
      return "final " + p.getFinalEpoch() + "/" + p.getFinalEpochs();
    }
    return p.getEpochs() == 0 ? "-" : "epoch " + p.getEpoch() + "/" + p.getEpochs();
  }
}
