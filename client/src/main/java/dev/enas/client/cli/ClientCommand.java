package dev.enas.client.cli;

import dev.enas.client.EnasClient;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command that talks to the server shares: the client the root command connects on first
 * use, and picocli's output streams, which tests replace.
 */
abstract class ClientCommand {
  @Spec CommandSpec spec;

  EnasClient client() {
    return ((EnasCli) spec.root().userObject()).client();
  }

  EnasCli root() {
    return (EnasCli) spec.root().userObject();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A usage error naming the flag at fault: one line and exit code 2. */
  CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
