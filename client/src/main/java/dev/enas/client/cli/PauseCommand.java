package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code enas search pause}: the search snapshots itself at its next step boundary and gives back
 * its memory and device time until {@code enas search resume}, across server restarts too.
 */
@Command(
    name = "pause",
    mixinStandardHelpOptions = true,
    description =
        "Pause a running search: it snapshots itself and frees its memory until resumed"
            + " (across server restarts too).")
final class PauseCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Override
  public Integer call() {
    Search before = client().pauseSearch(searchId);
    out()
        .println(
            before.getPaused()
                ? searchId + " was already paused"
                : "pausing "
                    + searchId
                    + " ("
                    + Text.phase(before.getPhase())
                    + "): it snapshots itself at its next step boundary; `enas search resume "
                    + searchId
                    + "` continues it");
    out().flush();
    return ExitCodes.OK;
  }
}
