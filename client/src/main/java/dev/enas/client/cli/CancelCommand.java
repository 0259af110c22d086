package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enas search cancel}: asks a search to stop at its next step boundary. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = "Ask a search to stop at its next step boundary.")
final class CancelCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "Why, kept with the search (at most 1024 characters).")
  String reason;

  @Override
  public Integer call() {
    Search before = client().cancelSearch(searchId, reason);
    if (before.getState() == SearchState.SEARCH_STATE_CANCELLED) {
      out().println(searchId + " was already cancelled");
    } else {
      out()
          .println(
              "cancelling "
                  + searchId
                  + " (was "
                  + Text.state(before.getState())
                  + ", "
                  + Text.phase(before.getPhase())
                  + "): it stops at its next step boundary");
    }
    out().flush();
    return ExitCodes.OK;
  }
}
