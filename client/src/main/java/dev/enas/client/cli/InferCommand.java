package dev.enas.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enas.proto.inference.InferParameter;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.ModelMetadataResponse;
import dev.enas.proto.inference.RawContents;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enas infer}: classifies one image with a served model over the Open Inference Protocol.
 * The model's metadata says what it takes (channels, height, width) and what it calls its classes;
 * the image is fitted to that here, so any PNG or JPEG works with any served enas model.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description = "Classify an image (PNG or JPEG) with a served model; prints the top classes.")
final class InferCommand extends ClientCommand implements Callable<Integer> {
  /** The exported models' output of softmax probabilities (see the ONNX exporter). */
  static final String PROBABILITIES = "probabilities";

  /** The model parameter holding the class labels in output order, a JSON array. */
  static final String CLASS_LABELS = "class_labels";

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--model",
      paramLabel = "NAME",
      required = true,
      description = "The served model: a search id for the models searches publish.")
  String model;

  @Option(
      names = "--version",
      paramLabel = "N",
      defaultValue = "",
      description = "The model version (default: the server's choice, the newest ready one).")
  String version;

  @Option(
      names = "--image",
      paramLabel = "FILE",
      required = true,
      description = "The image to classify, PNG or JPEG; resized to the model's input.")
  Path image;

  @Option(
      names = "--top",
      paramLabel = "K",
      defaultValue = "5",
      description = "How many classes to print (default: ${DEFAULT-VALUE}).")
  int top;

  @Override
  public Integer call() {
    if (top < 1) {
      throw usage("--top must be 1 or more, was " + top);
    }
    BufferedImage picture = read(image);
    ModelMetadataResponse metadata = client().modelMetadata(model, version);
    if (metadata.getInputsCount() != 1 || metadata.getInputs(0).getShapeCount() != 4) {
      err()
          .println(
              "enas infer: model "
                  + model
                  + " does not take one image batch N x C x H x W;"
                  + " its inputs are "
                  + shapes(metadata.getInputsList()));
      err().flush();
      return ExitCodes.SEARCH_FAILED;
    }
    ModelMetadataResponse.TensorMetadata input = metadata.getInputs(0);
    int channels = (int) input.getShape(1);
    int height = (int) input.getShape(2);
    int width = (int) input.getShape(3);
    if ((channels != 1 && channels != 3) || height < 1 || width < 1) {
      err()
          .println(
              "enas infer: model "
                  + model
                  + " takes "
                  + shapes(List.of(input))
                  + "; only grey (1) or RGB (3) images of a fixed size can be sent to it");
      err().flush();
      return ExitCodes.SEARCH_FAILED;
    }
    float[] pixels = pixels(picture, channels, height, width);

    boolean hasProbabilities =
        metadata.getOutputsList().stream().anyMatch(o -> o.getName().equals(PROBABILITIES));
    String output = hasProbabilities ? PROBABILITIES : metadata.getOutputs(0).getName();
    ModelInferResponse response =
        client()
            .modelInfer(
                ModelInferRequest.newBuilder()
                    .setModelName(model)
                    .setModelVersion(version)
                    .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                            .setName(input.getName())
                            .setDatatype("FP32")
                            .addAllShape(List.of(1L, (long) channels, (long) height, (long) width)))
                    .addRawInputContents(RawContents.ofFloats(pixels))
                    .addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(output))
                    .build());
    float[] scores = RawContents.toFloats(response.getRawOutputContents(0));
    double[] probabilities = hasProbabilities ? toDouble(scores) : softmax(scores);

    List<String> labels = labels(metadata);
    List<Integer> order = new ArrayList<>();
    for (int k = 0; k < probabilities.length; k++) {
      order.add(k);
    }
    order.sort(Comparator.comparingDouble((Integer k) -> -probabilities[k]));
    out()
        .println(
            image
                + ": model "
                + response.getModelName()
                + " version "
                + response.getModelVersion());
    for (int rank = 0; rank < Math.min(top, order.size()); rank++) {
      int k = order.get(rank);
      String label = k < labels.size() ? labels.get(k) : "class " + k;
      out()
          .println(
              String.format(Locale.ROOT, "%2d. %-20s %.4f", rank + 1, label, probabilities[k]));
    }
    out().flush();
    return ExitCodes.OK;
  }

  /** The image, or a usage error naming the file: a wrong path is a mistake on the command line. */
  private BufferedImage read(Path file) {
    BufferedImage picture;
    try {
      picture = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw usage("--image: cannot read " + file + " (" + e.getMessage() + ")");
    }
    if (picture == null) {
      throw usage("--image: " + file + " is not a PNG or JPEG image");
    }
    return picture;
  }

  /**
   * The image as C x H x W values in [0, 1]. A grey image of the model's size is read as it is, so
   * its pixel values arrive unchanged; anything else is drawn to the model's size, and colour
   * becomes grey by its luminance (ITU-R BT.601, what most grey datasets were made with).
   */
  static float[] pixels(BufferedImage picture, int channels, int height, int width) {
    boolean grey =
        picture.getType() == BufferedImage.TYPE_BYTE_GRAY
            || picture.getType() == BufferedImage.TYPE_USHORT_GRAY;
    BufferedImage sized = picture;
    if (picture.getWidth() != width || picture.getHeight() != height) {
      // Grey stays grey: drawing into RGB would convert through the linear grey colour space.
      sized =
          new BufferedImage(
              width, height, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
      Graphics2D g = sized.createGraphics();
      try {
        g.setRenderingHint(
            RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(picture, 0, 0, width, height, null);
      } finally {
        g.dispose();
      }
    }
    float[] out = new float[channels * height * width];
    int plane = height * width;
    Raster raster = sized.getRaster();
    double greyMax = grey ? (1 << raster.getSampleModel().getSampleSize(0)) - 1 : 255;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float r;
        float gr;
        float b;
        if (grey) {
          r = gr = b = (float) (raster.getSample(x, y, 0) / greyMax);
        } else {
          int rgb = sized.getRGB(x, y);
          r = ((rgb >> 16) & 0xff) / 255f;
          gr = ((rgb >> 8) & 0xff) / 255f;
          b = (rgb & 0xff) / 255f;
        }
        int at = y * width + x;
        if (channels == 1) {
          out[at] = grey ? r : Math.min(1f, 0.299f * r + 0.587f * gr + 0.114f * b);
        } else {
          out[at] = r;
          out[plane + at] = gr;
          out[2 * plane + at] = b;
        }
      }
    }
    return out;
  }

  /** The labels the model names its classes by, or none if it names them in no way we read. */
  static List<String> labels(ModelMetadataResponse metadata) {
    InferParameter parameter = metadata.getParametersMap().get(CLASS_LABELS);
    if (parameter == null || parameter.getStringParam().isEmpty()) {
      return List.of();
    }
    try {
      JsonNode array = JSON.readTree(parameter.getStringParam());
      List<String> labels = new ArrayList<>();
      for (int i = 0; array != null && array.isArray() && i < array.size(); i++) {
        if (!array.get(i).isTextual()) {
          return List.of();
        }
        labels.add(array.get(i).textValue());
      }
      return List.copyOf(labels);
    } catch (JsonProcessingException e) {
      return List.of();
    }
  }

  private static String shapes(List<ModelMetadataResponse.TensorMetadata> tensors) {
    List<String> out = new ArrayList<>();
    for (ModelMetadataResponse.TensorMetadata t : tensors) {
      out.add(t.getName() + " " + t.getDatatype() + " " + t.getShapeList());
    }
    return out.toString();
  }

  private static double[] toDouble(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /** Softmax shifted by the maximum, for a model that gives logits only. */
  private static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] out = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = Math.exp(logits[i] - max);
      sum += out[i];
    }
    for (int i = 0; i < out.length; i++) {
      out[i] /= sum;
    }
    return out;
  }
}
