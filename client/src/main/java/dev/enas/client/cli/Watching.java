package dev.enas.client.cli;

import dev.enas.client.SearchWatch;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchState;
import java.io.PrintWriter;

/**
 * Runs a watch to the search's end for {@code search watch} and {@code search start --watch},
 * printing JSON lines or the human view, and turns the outcome into the exit code.
 */
final class Watching {
  private Watching() {}

  /**
   * @return {@link ExitCodes#OK}, {@code SEARCH_FAILED} or {@code SEARCH_CANCELLED}
   */
  static int run(
      EnasCli root,
      String searchId,
      long fromSequence,
      boolean json,
      boolean progress,
      PrintWriter out,
      PrintWriter err) {
    Search search = root.client().getSearch(searchId);
    SearchEvent.KindCase outcome = SearchEvent.KindCase.KIND_NOT_SET;
    WatchPrinter printer =
        json
            ? null
            : new WatchPrinter(
                search, fromSequence > 0, out, progress ? () -> root.progressLine(err) : null);
    try (SearchWatch events = root.client().watch(searchId, fromSequence)) {
      while (events.hasNext()) {
        SearchEvent event = events.next();
        if (json) {
          out.println(Text.jsonLine(event));
          out.flush();
        } else {
          printer.accept(event);
        }
        if (isTerminal(event.getKindCase())) {
          outcome = event.getKindCase();
        }
      }
    } finally {
      if (printer != null) {
        printer.close();
      }
    }
    if (outcome == SearchEvent.KindCase.KIND_NOT_SET) {
      // Watched from past the terminal event: the search's state tells how it ended.
      return fromState(root.client().getSearch(searchId), err);
    }
    return fromOutcome(outcome);
  }

  private static boolean isTerminal(SearchEvent.KindCase kind) {
    return kind == SearchEvent.KindCase.FINISHED
        || kind == SearchEvent.KindCase.FAILED
        || kind == SearchEvent.KindCase.CANCELLED;
  }

  private static int fromOutcome(SearchEvent.KindCase kind) {
    switch (kind) {
      case FINISHED:
        return ExitCodes.OK;
      case CANCELLED:
        return ExitCodes.SEARCH_CANCELLED;
      default:
        return ExitCodes.SEARCH_FAILED;
    }
  }

  private static int fromState(Search search, PrintWriter err) {
    SearchState state = search.getState();
    if (state == SearchState.SEARCH_STATE_SUCCEEDED) {
      return ExitCodes.OK;
    }
    if (state == SearchState.SEARCH_STATE_CANCELLED) {
      return ExitCodes.SEARCH_CANCELLED;
    }
    if (state == SearchState.SEARCH_STATE_FAILED) {
      return ExitCodes.SEARCH_FAILED;
    }
    err.println(
        "enas: the watch of "
            + search.getId()
            + " ended while the search is still "
            + Text.state(state));
    return ExitCodes.SERVER_ERROR;
  }
}
