package dev.enas.server.serving;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model's config.pbtxt, Triton's model configuration in protobuf text format, so that the same
 * repository folder can be served by Triton as it is. enas writes a minimal one when it publishes
 * and reads back only {@code max_batch_size}; everything else it learns from the model file.
 */
final class TritonConfig {
  static final String FILE = "config.pbtxt";

  /** First line of a configuration enas wrote; one without it was written by hand and is kept. */
  static final String MARKER = "# Written by enas";

  private static final Pattern MAX_BATCH =
      Pattern.compile("(?m)^\\s*max_batch_size\\s*:\\s*(\\d{1,9})\\s*$");

  private TritonConfig() {}

  /**
   * The configuration of a model with this signature. A batched model declares the server's batch
   * limit and leaves the batch dimension out of its dims, as Triton expects; any other declares
   * max_batch_size 0 and its full shapes. Every version is served ({@code version_policy all}), as
   * enas serves them, rather than Triton's default of the latest only.
   */
  static String render(
      String model,
      long version,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      boolean batched,
      int maxBatch) {
    StringBuilder out =
        new StringBuilder()
            .append(MARKER)
            .append(" when it published version ")
            .append(version)
            .append(". Remove this line to keep hand edits: enas then never rewrites the file.\n")
            .append("name: ")
            .append(quote(model))
            .append('\n')
            .append("platform: \"onnxruntime_onnx\"\n")
            .append("max_batch_size: ")
            .append(batched ? maxBatch : 0)
            .append('\n')
            .append("version_policy: { all: { } }\n");
    tensors(out, "input", inputs, batched);
    tensors(out, "output", outputs, batched);
    return out.toString();
  }

  private static void tensors(
      StringBuilder out, String kind, List<TensorSpec> tensors, boolean batched) {
    out.append(kind).append(" [\n");
    for (int i = 0; i < tensors.size(); i++) {
      TensorSpec tensor = tensors.get(i);
      List<Long> dims = batched ? tensor.shape().subList(1, tensor.shape().size()) : tensor.shape();
      out.append("  {\n")
          .append("    name: ")
          .append(quote(tensor.name()))
          .append('\n')
          .append("    data_type: ")
          .append(dataType(tensor.datatype()))
          .append('\n');
      if (dims.isEmpty()) {
        // Triton wants at least one dimension: a scalar per batch item is [1] reshaped to [].
        out.append("    dims: [ 1 ]\n    reshape: { shape: [ ] }\n");
      } else {
        out.append("    dims: [ ");
        for (int d = 0; d < dims.size(); d++) {
          out.append(d == 0 ? "" : ", ").append(dims.get(d));
        }
        out.append(" ]\n");
      }
      out.append(i + 1 < tensors.size() ? "  },\n" : "  }\n");
    }
    out.append("]\n");
  }

  /** Triton's name of an element type: the protocol's name after TYPE_ (FP32, INT64). */
  private static String dataType(String datatype) {
    return switch (datatype) {
      case TensorSpec.FP32 -> "TYPE_FP32";
      case TensorSpec.INT64 -> "TYPE_INT64";
      default -> throw new IllegalArgumentException("no Triton data type for " + datatype);
    };
  }

  /** Whether enas may write the file: it is absent or enas wrote it. */
  static boolean ownedByEnas(Path file) throws IOException {
    if (!Files.exists(file)) {
      return true;
    }
    try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.findFirst().map(line -> line.startsWith(MARKER)).orElse(true);
    }
  }

  /**
   * The positive {@code max_batch_size} of the file, or empty when the file is missing, unreadable,
   * silent on it, or declares 0 (no batching: the server's limit then stands).
   */
  static OptionalInt maxBatch(Path file) {
    if (!Files.isRegularFile(file)) {
      return OptionalInt.empty();
    }
    try {
      Matcher matcher = MAX_BATCH.matcher(Files.readString(file, StandardCharsets.UTF_8));
      if (matcher.find()) {
        int value = Integer.parseInt(matcher.group(1));
        return value > 0 ? OptionalInt.of(value) : OptionalInt.empty();
      }
    } catch (IOException | RuntimeException e) {
      // A config that cannot be read leaves the server's limit in force; the model still serves.
    }
    return OptionalInt.empty();
  }

  /** A string literal of the protobuf text format, escaped by protobuf itself. */
  private static String quote(String text) {
    return '"' + TextFormat.escapeBytes(ByteString.copyFromUtf8(text)) + '"';
  }
}
