package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code enas search resume}: a paused search continues from the snapshot it paused at. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Resume a paused search from the snapshot it paused at.")
final class ResumeCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Override
  public Integer call() {
    Search before = client().resumeSearch(searchId);
    out()
        .println(
            before.getPaused()
                ? "resuming " + searchId + " (" + Text.phase(before.getPhase()) + ")"
                : searchId + " was not paused");
    out().flush();
    return ExitCodes.OK;
  }
}
