package dev.enas.client.cli;

import picocli.CommandLine.Command;

/** {@code enas arch}: the commands on a search's sampled architectures. */
@Command(
    name = "arch",
    mixinStandardHelpOptions = true,
    description = "Read the architectures a search sampled, with their rewards.",
    subcommands = {ArchListCommand.class, ArchGetCommand.class})
final class ArchCommand {}
