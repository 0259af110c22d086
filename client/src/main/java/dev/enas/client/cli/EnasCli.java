package dev.enas.client.cli;

import dev.enas.client.EnasClient;
import dev.enas.client.EnasException;
import dev.enas.client.FieldViolation;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code enas}, the command line of the search API: start, watch, list, inspect and cancel
 * searches, read their sampled architectures, download the models they published and classify
 * images with them, on the server named by {@code --server}.
 */
@Command(
    name = "enas",
    mixinStandardHelpOptions = true,
    versionProvider = EnasCli.Version.class,
    subcommands = {
      SearchCommand.class,
      ArchCommand.class,
      ModelCommand.class,
      DataCommand.class,
      InferCommand.class,
      DashboardCommand.class,
      CommandLine.HelpCommand.class
    },
    description = "Drive and watch ENAS searches on an enas server.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      " 0:the command succeeded; a watched search succeeded",
      " 1:a watched search failed, or an unexpected error in the client",
      " 2:bad command line (unknown option, malformed value, unreadable spec or image file)",
      " 3:the server refused the request or could not be reached",
      "130:a watched search was cancelled"
    })
public final class EnasCli {
  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:ENAS_SERVER:-" + EnasClient.DEFAULT_TARGET + "}",
      description = "The enas server (default: $ENAS_SERVER, else ${DEFAULT-VALUE}).")
  String server;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "A file holding the server's bearer token (default: $ENAS_TOKEN, else none).")
  java.io.File tokenFile;

  @Option(
      names = "--tls",
      scope = ScopeType.INHERIT,
      description = "Connect over TLS, trusting the JVM's trust store (or --ca-file).")
  boolean tls;

  @Option(
      names = "--ca-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "Connect over TLS trusting the CA certificates of this PEM file.")
  java.io.File caFile;

  private final Function<String, EnasClient> connector;
  private final IntSupplier progressWidth;
  private final boolean progress;
  private EnasClient client;

  /** The command line of a terminal: plaintext connections, progress bars when interactive. */
  public EnasCli() {
    this(null, System.console() != null, terminalWidth());
  }

  /**
   * A command line with its own way to reach the server, for embedding and tests.
   *
   * @param connector makes the client for the {@code --server} value; null connects over plaintext
   *     with the token of {@code --token-file} or {@code $ENAS_TOKEN}
   * @param progress whether watches draw progress bars (on the error stream)
   * @param progressWidth the widest line a bar may draw
   */
  public EnasCli(
      Function<String, EnasClient> connector, boolean progress, IntSupplier progressWidth) {
    this.connector = connector;
    this.progress = progress;
    this.progressWidth = progressWidth;
  }

  public static void main(String[] args) {
    System.exit(commandLine(new EnasCli()).execute(args));
  }

  /**
   * The picocli command line around {@code cli}, with its error handling: usage errors print one
   * line naming the option and exit 2, server errors print the status code and every bad field and
   * exit 3, and the client is closed after every command.
   */
  public static CommandLine commandLine(EnasCli cli) {
    CommandLine line = new CommandLine(cli);
    line.setParameterExceptionHandler(EnasCli::usageError);
    line.setExecutionExceptionHandler((error, command, parsed) -> executionError(error, command));
    line.setExecutionStrategy(
        parsed -> {
          try {
            return new CommandLine.RunLast().execute(parsed);
          } finally {
            cli.closeClient();
          }
        });
    return line;
  }

  /** The client of {@code --server}, connected on first use. */
  EnasClient client() {
    if (client == null) {
      client =
          connector != null
              ? connector.apply(server)
              : tlsOptions(EnasClient.builder().target(server).token(token())).build();
    }
    return client;
  }

  private EnasClient.Builder tlsOptions(EnasClient.Builder builder) {
    return tls || caFile != null ? builder.tls(caFile == null ? null : caFile.toPath()) : builder;
  }

  /** The token of {@code --token-file}, else {@code $ENAS_TOKEN}, else null. */
  private String token() {
    if (tokenFile == null) {
      return System.getenv("ENAS_TOKEN");
    }
    try {
      return java.nio.file.Files.readString(tokenFile.toPath()).strip();
    } catch (java.io.IOException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--token-file: cannot read " + tokenFile);
    }
  }

  /** The {@code --server} value the client connects to. */
  String server() {
    return server;
  }

  /** Whether watches draw progress bars. */
  boolean progress() {
    return progress;
  }

  /** A fresh line for one progress bar, on {@code err}. */
  ProgressLine progressLine(PrintWriter err) {
    return new ProgressLine(err, progressWidth);
  }

  private void closeClient() {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  private static int usageError(CommandLine.ParameterException error, String[] args) {
    CommandLine command = error.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(
        command.getCommandSpec().qualifiedName()
            + ": "
            + error.getMessage()
            + " (see '"
            + command.getCommandSpec().qualifiedName()
            + " --help')");
    err.flush();
    return ExitCodes.USAGE;
  }

  private static int executionError(Exception error, CommandLine command) {
    PrintWriter err = command.getErr();
    if (error instanceof EnasException failure) {
      Map<String, String> flags =
          command.getCommand() instanceof FieldFlags fields ? fields.flagsByField() : Map.of();
      printServerError(
          err, failure, flags, ((EnasCli) command.getCommandSpec().root().userObject()).server());
      return ExitCodes.SERVER_ERROR;
    }
    err.println("enas: " + error);
    err.flush();
    return ExitCodes.SEARCH_FAILED;
  }

  /**
   * Prints a server error: the code and message on the first line, then every bad field, with the
   * option that sets it where there is one, and every other detail.
   */
  static void printServerError(
      PrintWriter err, EnasException error, Map<String, String> flagsByField, String server) {
    StringBuilder first = new StringBuilder("enas: ").append(error.code());
    if (!error.description().isEmpty()) {
      first.append(": ").append(error.description());
    }
    if (error.code() == Status.Code.UNAVAILABLE || error.code() == Status.Code.DEADLINE_EXCEEDED) {
      first
          .append(" (is the server at ")
          .append(server)
          .append(" running? --server or ENAS_SERVER name another)");
    }
    err.println(first);
    for (FieldViolation v : error.fieldViolations()) {
      String flag = flagsByField.get(v.field());
      err.println(
          "  " + v.field() + (flag == null ? "" : " (" + flag + ")") + ": " + v.description());
    }
    for (String detail : error.details()) {
      err.println("  " + detail);
    }
    err.flush();
  }

  private static IntSupplier terminalWidth() {
    // progressbar asks the terminal at every draw, so a resized window is followed.
    ConsoleProgressBarConsumer console = new ConsoleProgressBarConsumer(System.err);
    return () -> console.getMaxRenderedLength();
  }

  /** The version of the client jar, from its manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = EnasCli.class.getPackage().getImplementationVersion();
      return new String[] {"enas client " + (version == null ? "(development build)" : version)};
    }
  }
}
