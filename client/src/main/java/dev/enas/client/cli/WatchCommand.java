package dev.enas.client.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code enas search watch}: follows a search to its end, as progress bars and report lines or as
 * JSON lines, reconnecting by itself when the server cuts the stream; the exit code is the search's
 * outcome.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow a search until it ends, replaying its history from --from first.",
      "Exit code: 0 succeeded, 1 failed, 130 cancelled, 3 server error."
    })
final class WatchCommand extends ClientCommand implements Callable<Integer>, FieldFlags {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Option(
      names = "--from",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "First event to show, by sequence number (default: ${DEFAULT-VALUE}, the"
              + " whole history).")
  long from;

  @Option(
      names = "--json",
      description =
          "One event per line as JSON (the proto's JSON"
              + " mapping of enas.v1.SearchEvent), for scripts.")
  boolean json;

  @Option(names = "--no-progress", description = "Report lines only, no progress bars.")
  boolean noProgress;

  @Override
  public Map<String, String> flagsByField() {
    return Map.of("from_sequence", "--from", "search_id", "ID");
  }

  @Override
  public Integer call() {
    if (from < 0) {
      throw usage("--from must be 0 or more, was " + from);
    }
    return Watching.run(
        root(), searchId, from, json, root().progress() && !noProgress, out(), err());
  }
}
