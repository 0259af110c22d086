package dev.enas.client.cli;

import picocli.CommandLine.Command;

/** {@code enas data}: the data sets the server lets searches read. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "The data sets a search may name in --dataset.",
    subcommands = {DataListCommand.class})
final class DataCommand {}
