package dev.enas.server.serving;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.enas.export.ModelMetadata;
import dev.enas.export.RnnOnnxExporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions on the configured device and reads what a client needs to know of a
 * model: its tensors and its metadata. CUDA is used where it is asked for (or, for {@code auto},
 * where the ONNX Runtime build offers it); where it cannot be used the session opens on the CPU and
 * the log says why, once, so that a GPU build on a machine without a usable GPU still serves.
 */
final class SessionLoader {
  /** The ONNX metadata_props key of a classifier's class names, a JSON array of strings. */
  static final String CLASS_LABELS = "class_labels";

  private static final Logger log = LoggerFactory.getLogger(SessionLoader.class);

  private final ServingSettings settings;
  private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
  private final boolean tryCuda;
  private volatile boolean cudaFailed;

  SessionLoader(ServingSettings settings) {
    this.settings = settings;
    boolean offered = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    if (settings.gpuRequested() && !offered) {
      log.warn(
          "enas.serving.device is {} but this ONNX Runtime build has no CUDA provider (build"
              + " with -Dcuda for the GPU build); serving on the CPU",
          settings.device());
    }
    this.tryCuda = settings.gpuRequested() ? offered : settings.device().equals("auto") && offered;
    log.info("model serving on {}", tryCuda ? "CUDA device " + settings.gpuId() : "the CPU");
  }

  /**
   * A session with what was read from it; the caller owns the session.
   *
   * @param indexBounds inputs whose values index a table, with the table's size (see {@link
   *     ModelVersion#indexBounds()})
   */
  record Loaded(
      OrtSession session,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Map<String, String> metadata,
      List<String> classLabels,
      boolean batched,
      Map<String, Long> indexBounds) {}

  /** Why a model cannot be served, in words fit for a client. */
  static final class LoadFailure extends Exception {
    private static final long serialVersionUID = 1L;

    LoadFailure(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Opens a session on a model file; see {@link #open(Source)}. */
  Loaded load(Path file) throws LoadFailure {
    return inspect(
        open((environment, options) -> environment.createSession(file.toString(), options)));
  }

  /** Opens a session on a model held in memory; see {@link #open(Source)}. */
  Loaded load(byte[] model) throws LoadFailure {
    return inspect(open((environment, options) -> environment.createSession(model, options)));
  }

  /** Where a session's model comes from. */
  @FunctionalInterface
  private interface Source {
    OrtSession create(OrtEnvironment environment, OrtSession.SessionOptions options)
        throws OrtException;
  }

  /**
   * Opens a session on CUDA when that is wanted and has not failed before, else on the CPU. A
   * failure on CUDA is retried on the CPU: if the CPU also fails the model is at fault and the
   * CPU's message is the reason; if it succeeds, CUDA is not usable and is not tried again.
   */
  private OrtSession open(Source model) throws LoadFailure {
    if (tryCuda && !cudaFailed) {
      try (OrtSession.SessionOptions options = options()) {
        options.addCUDA(settings.gpuId());
        return model.create(environment, options);
      } catch (OrtException | RuntimeException cudaError) {
        OrtSession session = openOnCpu(model);
        cudaFailed = true;
        log.warn(
            "CUDA device {} is not usable for serving ({}); serving on the CPU",
            settings.gpuId(),
            cudaError.getMessage());
        return session;
      }
    }
    return openOnCpu(model);
  }

  private OrtSession openOnCpu(Source model) throws LoadFailure {
    try (OrtSession.SessionOptions options = options()) {
      return model.create(environment, options);
    } catch (OrtException | RuntimeException e) {
      throw new LoadFailure("ONNX Runtime cannot load the model: " + e.getMessage());
    }
  }

  private OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      if (settings.intraOpThreads() > 0) {
        options.setIntraOpNumThreads(settings.intraOpThreads());
      }
      // Requests already run in parallel on the serving threads: one graph at a time per call.
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }

  /** Reads the signature and metadata, closing the session if the model cannot be served. */
  private Loaded inspect(OrtSession session) throws LoadFailure {
    try {
      List<TensorSpec> inputs = tensors("input", session.getInputInfo());
      List<TensorSpec> outputs = tensors("output", session.getOutputInfo());
      if (inputs.isEmpty() || outputs.isEmpty()) {
        throw new LoadFailure("the model has no " + (inputs.isEmpty() ? "inputs" : "outputs"));
      }
      Map<String, String> metadata = new LinkedHashMap<>(session.getMetadata().getCustomMetadata());
      List<String> labels = classLabels(metadata.get(CLASS_LABELS));
      boolean batched =
          inputs.stream().allMatch(SessionLoader::dynamicFirstDimension)
              && outputs.stream().allMatch(SessionLoader::dynamicFirstDimension);
      return new Loaded(
          session,
          inputs,
          outputs,
          Map.copyOf(metadata),
          labels,
          batched,
          indexBounds(metadata, inputs));
    } catch (OrtException | RuntimeException | LoadFailure e) {
      try {
        session.close();
      } catch (OrtException closeError) {
        e.addSuppressed(closeError);
      }
      if (e instanceof LoadFailure failure) {
        throw failure;
      }
      throw new LoadFailure("ONNX Runtime cannot describe the model: " + e.getMessage());
    }
  }

  private static boolean dynamicFirstDimension(TensorSpec tensor) {
    return !tensor.shape().isEmpty() && tensor.shape().get(0) < 0;
  }

  private static List<TensorSpec> tensors(String kind, Map<String, NodeInfo> nodes)
      throws LoadFailure {
    List<TensorSpec> out = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new LoadFailure(
            kind
                + " '"
                + node.getName()
                + "' is not a tensor ("
                + node.getInfo()
                + "); enas serves FP32 and INT64 tensors only");
      }
      String datatype;
      if (info.type == OnnxJavaType.FLOAT) {
        datatype = TensorSpec.FP32;
      } else if (info.type == OnnxJavaType.INT64) {
        datatype = TensorSpec.INT64;
      } else {
        throw new LoadFailure(
            kind
                + " '"
                + node.getName()
                + "' holds "
                + info.type
                + " elements; enas serves FP32 and INT64 tensors only");
      }
      List<Long> shape = new ArrayList<>();
      for (long dim : info.getShape()) {
        shape.add(dim < 0 ? -1L : dim);
      }
      out.add(new TensorSpec(node.getName(), datatype, shape));
    }
    return out;
  }

  /**
   * The class names of a {@code class_labels} entry, or an empty list when there is none or it is
   * not a JSON array of strings; a bad entry costs the labels, never the model.
   */
  static List<String> classLabels(String json) {
    return strings(CLASS_LABELS, json);
  }

  /**
   * A language model exported by enas takes token ids that index its vocabulary. ONNX Runtime's
   * Gather fails on an id past the end, which would reach the client as a fault of the model, and
   * quietly takes a negative id as counting from the end; knowing the bound lets a request be
   * refused as the client's error instead. Empty for any other model, or when the vocabulary entry
   * cannot be read.
   */
  static Map<String, Long> indexBounds(Map<String, String> metadata, List<TensorSpec> inputs) {
    boolean languageModel =
        ModelMetadata.Kind.LANGUAGE_MODEL.value().equals(metadata.get(ModelMetadata.MODEL_KIND));
    boolean tokenIds =
        inputs.stream()
            .anyMatch(
                input ->
                    input.name().equals(RnnOnnxExporter.TOKEN_IDS)
                        && input.datatype().equals(TensorSpec.INT64));
    if (!languageModel || !tokenIds) {
      return Map.of();
    }
    List<String> vocabulary =
        strings(ModelMetadata.VOCABULARY, metadata.get(ModelMetadata.VOCABULARY));
    return vocabulary.isEmpty()
        ? Map.of()
        : Map.of(RnnOnnxExporter.TOKEN_IDS, (long) vocabulary.size());
  }

  /** A metadata entry that is a JSON array of strings, or an empty list with a warning. */
  private static List<String> strings(String key, String json) {
    if (json == null || json.isBlank()) {
      return List.of();
    }
    try {
      return ModelMetadata.parseStrings(json);
    } catch (IllegalArgumentException e) {
      log.warn("ignoring the model's {}: not a JSON array of strings ({})", key, e.getMessage());
      return List.of();
    }
  }
}
