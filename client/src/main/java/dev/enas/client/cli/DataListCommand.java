package dev.enas.client.cli;

import dev.enas.proto.v1.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code enas data list}: what {@code --dataset} may name, since the server reads data only from
 * inside its data roots.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description =
        "List the data sets a search may be created on: the embedded ones and the"
            + " folders of the server's data roots (enas.data.roots).")
final class DataListCommand extends ClientCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    List<List<String>> rows = new ArrayList<>();
    for (Dataset dataset : client().listDatasets()) {
      rows.add(
          List.of(
              dataset.getReference(),
              dataset.getText() ? "text" : "images",
              dataset.getEmbedded() ? "embedded" : "data root"));
    }
    Text.table(List.of("DATASET", "KIND", "WHERE"), rows, new boolean[] {false, false, false})
        .forEach(out()::println);
    out().flush();
    return ExitCodes.OK;
  }
}
