package dev.enas.client.cli;

import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.SampledArchitecture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code enas arch list}: the best (or first) architectures a search sampled, as a table or JSON
 * lines.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List a search's sampled architectures, best reward first.")
final class ArchListCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Option(
      names = "--top",
      paramLabel = "N",
      defaultValue = "10",
      description = "How many to show (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--order",
      converter = Choices.OrderConverter.class,
      paramLabel = "ORDER",
      defaultValue = "reward",
      description =
          "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}): best reward first, or"
              + " in sampling order.")
  Choices.Order order;

  @Option(names = "--json", description = "One enas.v1.SampledArchitecture per line as JSON.")
  boolean json;

  @Override
  public Integer call() {
    if (top < 1) {
      throw usage("--top must be at least 1, was " + top);
    }
    List<SampledArchitecture> shown;
    if (order.proto == ArchitectureOrder.ARCHITECTURE_ORDER_REWARD) {
      shown = client().topArchitectures(searchId, top);
    } else {
      shown = new ArrayList<>();
      Iterator<SampledArchitecture> all = client().listArchitectures(searchId, order.proto);
      while (shown.size() < top && all.hasNext()) {
        shown.add(all.next());
      }
    }
    if (json) {
      shown.forEach(a -> out().println(Text.jsonLine(a)));
    } else if (shown.isEmpty()) {
      out().println(searchId + " has sampled no architectures yet");
    } else {
      List<List<String>> rows = new ArrayList<>();
      int rank = 1;
      for (SampledArchitecture a : shown) {
        rows.add(
            List.of(
                Integer.toString(rank++),
                Long.toString(a.getIndex()),
                Text.decimal(a.getReward()),
                Integer.toString(a.getEpoch() + 1),
                Long.toString(a.getPolicyVersion()),
                a.getArchitecture().getEncoding()));
      }
      Text.table(
              List.of("#", "INDEX", "REWARD", "EPOCH", "POLICY", "ARCHITECTURE"),
              rows,
              new boolean[] {true, true, true, true, true, false})
          .forEach(out()::println);
    }
    out().flush();
    return ExitCodes.OK;
  }
}
