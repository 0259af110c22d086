package dev.enas.client.cli;

import picocli.CommandLine.Command;

/** {@code enas search}: the commands on whole searches. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = "Start, watch, list, inspect and cancel searches.",
    subcommands = {
      StartCommand.class,
      WatchCommand.class,
      ListCommand.class,
      GetCommand.class,
      CancelCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      DeleteCommand.class
    })
final class SearchCommand {}
