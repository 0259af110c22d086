package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchState;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code enas model list}: the models of the searches that succeeded. The API has no model listing
 * of its own; every succeeded search published exactly one model, so its searches are the list.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description =
        "List the models finished searches published: name, version, test accuracy"
            + " (image classifiers) or test perplexity (language models).")
final class ModelListCommand extends ClientCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    Iterator<Search> searches = client().listSearches(SearchState.SEARCH_STATE_SUCCEEDED);
    List<List<String>> rows = new ArrayList<>();
    while (searches.hasNext()) {
      Search search = searches.next();
      if (!search.getModelName().isEmpty()) {
        rows.add(
            List.of(
                search.getModelName(),
                Long.toString(search.getModelVersion()),
                Text.decimal(search.getResult().getTestAccuracy()),
                search.getResult().hasTestPerplexity()
                    ? Text.decimal(search.getResult().getTestPerplexity())
                    : "-",
                search.getId()));
      }
    }
    if (rows.isEmpty()) {
      out().println("no models");
    } else {
      Text.table(
              List.of("MODEL", "VERSION", "TEST ACCURACY", "TEST PERPLEXITY", "SEARCH"),
              rows,
              new boolean[] {false, true, true, true, false})
          .forEach(out()::println);
    }
    out().flush();
    return ExitCodes.OK;
  }
}
