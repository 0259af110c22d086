package dev.enas.client.cli;

import picocli.CommandLine.Command;

/** {@code enas model}: the models finished searches published for serving. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "List and download the ONNX models that finished searches published.",
    subcommands = {ModelListCommand.class, ModelDownloadCommand.class})
final class ModelCommand {}
