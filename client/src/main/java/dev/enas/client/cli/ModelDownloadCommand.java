package dev.enas.client.cli;

import dev.enas.client.EnasClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enas model download}: a search's ONNX model, into a file. */
@Command(
    name = "download",
    mixinStandardHelpOptions = true,
    description = "Download the ONNX model a search published.")
final class ModelDownloadCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The search.")
  String searchId;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      required = true,
      description = "Where to write the model (replaced if it exists).")
  Path output;

  @Option(
      names = "--version",
      paramLabel = "N",
      description = "A version of the search's model (default: the one the search published).")
  long version;

  @Override
  public Integer call() throws IOException {
    if (version < 0) {
      throw usage("--version must be 1 or more, was " + version);
    }
    Path folder = output.toAbsolutePath().getParent();
    if (folder != null && !Files.isDirectory(folder)) {
      throw usage("--output: no folder " + folder);
    }
    // A temporary file beside the target: a failed download never leaves half a model behind.
    Path partial = Files.createTempFile(folder, "." + output.getFileName(), ".part");
    try {
      EnasClient.DownloadedModel model;
      try (OutputStream out = Files.newOutputStream(partial)) {
        model = client().downloadModel(searchId, version, out);
      }
      Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
      out()
          .println(
              "wrote "
                  + output
                  + ": model "
                  + model.name()
                  + " version "
                  + model.version()
                  + ", "
                  + Text.count(model.size())
                  + " bytes");
    } finally {
      Files.deleteIfExists(partial);
    }
    out().flush();
    return ExitCodes.OK;
  }
}
