package dev.enas.client.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code enas dashboard}: the address of the running server's web dashboard, which it serves on its
 * HTTP port beside gRPC. The server names that port in the headers of every gRPC response, so the
 * command needs nothing but the gRPC address; the host is the one {@code --server} names.
 */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description = "Print the address of the server's web dashboard, or of one search's page.")
final class DashboardCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(
      arity = "0..1",
      paramLabel = "SEARCH_ID",
      description = "A search whose live page to print instead of the searches page.")
  String searchId;

  @Override
  public Integer call() {
    OptionalInt port = client().dashboardPort();
    if (port.isEmpty()) {
      err()
          .println(
              "the server at "
                  + root().server
                  + " names no dashboard port: it predates"
                  + " the HTTP port, or something between strips the enas-http-port header");
      err().flush();
      return ExitCodes.SERVER_ERROR;
    }
    String page =
        searchId == null ? "" : "search?id=" + URLEncoder.encode(searchId, StandardCharsets.UTF_8);
    out().println("http://" + host(root().server) + ":" + port.getAsInt() + "/" + page);
    out().flush();
    return ExitCodes.OK;
  }

  /** The host of a HOST:PORT target ({@code [::1]:8980} keeps its brackets). */
  static String host(String target) {
    String plain = target.replaceFirst("^dns:///", "");
    int colon = plain.lastIndexOf(':');
    if (colon <= 0 || plain.endsWith("]")) {
      return plain;
    }
    return plain.substring(0, colon);
  }
}
