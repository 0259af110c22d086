package dev.enas.server.app;

import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enas-server export-samples}: the first images of the embedded Fashion-MNIST test set as
 * grey PNGs named by index and true label, so that {@code enas infer} can be tried on images no
 * search trained on, and its answer checked against the file name.
 */
@Command(
    name = "export-samples",
    mixinStandardHelpOptions = true,
    description = "Write the first embedded Fashion-MNIST test images as PNG files.")
final class ExportSamples implements Callable<Integer> {
  @Option(
      names = "--count",
      defaultValue = "3",
      description = "How many (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--out", required = true, description = "The folder to write them to.")
  File out;

  @Override
  public Integer call() throws IOException {
    ImageDataset test = EmbeddedData.fashionMnistTest();
    if (count < 1 || count > test.size()) {
      System.err.println("--count must be in 1.." + test.size() + ", was " + count);
      return 2;
    }
    Path folder = Files.createDirectories(out.toPath());
    for (int i = 0; i < count; i++) {
      BufferedImage image =
          new BufferedImage(test.width(), test.height(), BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < test.height(); y++) {
        for (int x = 0; x < test.width(); x++) {
          image.getRaster().setSample(x, y, 0, test.pixel(i, 0, y, x));
        }
      }
      String label =
          test.classNames()
              .get(test.label(i))
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^a-z0-9]+", "-");
      Path file = folder.resolve(String.format(Locale.ROOT, "test-%03d-%s.png", i, label));
      ImageIO.write(image, "png", file.toFile());
      System.out.println(file);
    }
    return 0;
  }
}
