package dev.enas.client.cli;

import dev.enas.proto.v1.SampledArchitecture;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enas arch get}: one sampled architecture by its index in the search's history. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Show one sampled architecture by its index in the search's history.")
final class ArchGetCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Parameters(index = "1", paramLabel = "INDEX", description = "Index in the history, from 0.")
  long index;

  @Option(names = "--json", description = "The enas.v1.SampledArchitecture as JSON.")
  boolean json;

  @Override
  public Integer call() {
    if (index < 0) {
      throw usage("INDEX must be 0 or more, was " + index);
    }
    SampledArchitecture a = client().getArchitecture(searchId, index);
    if (json) {
      out().println(Text.json(a));
    } else {
      out().println(a.getArchitecture().getEncoding());
      out()
          .println(
              String.format(
                  Locale.ROOT,
                  "index %d, epoch %d, policy %d: reward %s, baseline %s, log-probability %s,"
                      + " entropy %s, sampled %s",
                  a.getIndex(),
                  a.getEpoch() + 1,
                  a.getPolicyVersion(),
                  Text.decimal(a.getReward()),
                  Text.decimal(a.getBaseline()),
                  Text.decimal(a.getLogProbability()),
                  Text.decimal(a.getEntropy()),
                  Text.time(a.getTime())));
    }
    out().flush();
    return ExitCodes.OK;
  }
}
