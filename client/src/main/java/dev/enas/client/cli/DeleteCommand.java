package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code enas search delete}: forgets an ended search on the server, journal included; its
 * published model stays served.
 */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Delete an ended search and its events from the server (its model stays).")
final class DeleteCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Override
  public Integer call() {
    Search deleted = client().deleteSearch(searchId);
    out()
        .println(
            "deleted "
                + searchId
                + " ("
                + Text.state(deleted.getState())
                + (deleted.getModelName().isEmpty()
                    ? ")"
                    : "; its model " + deleted.getModelName() + " stays served)"));
    out().flush();
    return ExitCodes.OK;
  }
}
