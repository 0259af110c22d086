package dev.enas.server.actor;

import dev.enas.data.ImageDataset;
import dev.enas.export.ModelMetadata;
import dev.enas.export.OnnxExporter;
import dev.enas.export.RnnOnnxExporter;
import dev.enas.server.api.SpecJson;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.RnnLanguageModel;
import dev.enas.supernet.TorchThreads;
import dev.enas.train.Retrainer;
import dev.enas.train.Retraining;
import dev.enas.train.RnnRetraining;
import dev.enas.train.SearchData;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The retrained child as an ONNX model with its provenance, checked in ONNX Runtime against the
 * network itself. It runs on the device thread, in the step that tested the network and before the
 * network is closed: the one place both can be compared.
 */
final class ModelExport {
  private ModelExport() {}

  /** Test images the export is verified on: enough to cover every class of the embedded data. */
  static final int VERIFY_IMAGES = 64;

  /** Sequences, and tokens in each, the one-step language model is verified on. */
  static final int VERIFY_SEQUENCES = 3;

  static final int VERIFY_STEPS = 20;

  /**
   * The network is exported and ONNX Runtime computes what it computes.
   *
   * @param model the ONNX model's bytes
   * @param metadata the provenance written into the model, to store beside it
   * @param agreement how closely ONNX Runtime matched an image classifier; null for a language
   *     model
   * @param stepAgreement how closely ONNX Runtime's one-step model matched a language model step by
   *     step over whole sequences; null for an image classifier
   */
  record Done(
      Retraining.Result result,
      byte[] model,
      Map<String, String> metadata,
      ExportVerifier.Agreement agreement,
      ExportVerifier.StepAgreement stepAgreement) {}

  /**
   * Exports and verifies {@code retrainer}'s network.
   *
   * @param searchId names the search in the model's provenance
   * @param buildVersion the server build, for the model's provenance
   * @throws RuntimeException if the export cannot be built or ONNX Runtime disagrees with the
   *     network (the message says how far, and where)
   */
  static Done export(
      Retrainer retrainer,
      SearchData data,
      SearchSpec spec,
      String searchId,
      String buildVersion,
      Retraining.Result result) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(ModelMetadata.SEARCH_ID, searchId);
    metadata.put(ModelMetadata.SEED, Long.toString(spec.seed()));
    metadata.put(ModelMetadata.SPEC, SpecJson.print(spec));
    metadata.put(ModelMetadata.DATASET, spec.data().dataset());
    metadata.put(ModelMetadata.BUILD_VERSION, buildVersion);
    // The count this device thread trained with: part of what the seed reproduces.
    metadata.put(ModelMetadata.INTRA_OP_THREADS, Integer.toString(TorchThreads.current()));
    String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
    metadata.put(ModelMetadata.ONEDNN_MAX_CPU_ISA, isa == null || isa.isBlank() ? "default" : isa);
    if (retrainer instanceof RnnRetraining rnn) {
      return exportLanguageModel(rnn, data, metadata, result);
    }
    Retraining retraining = (Retraining) retrainer;
    metadata.put(ModelMetadata.TEST_ACCURACY, Double.toString(result.testAccuracy()));
    byte[] model =
        OnnxExporter.toBytes(
            OnnxExporter.export(
                retraining.network(), data.normalization(), data.train().classNames(), metadata));
    ExportVerifier.Agreement agreement =
        new ExportVerifier()
            .verify(
                model,
                retraining.network(),
                data.normalization(),
                rawImages(data.test(), VERIFY_IMAGES));
    return new Done(result, model, Collections.unmodifiableMap(metadata), agreement, null);
  }

  /**
   * The retrained language model as a one-step ONNX graph, verified in ONNX Runtime over {@link
   * #VERIFY_SEQUENCES} sequences of {@link #VERIFY_STEPS} tokens of the validation file, each side
   * carrying its own hidden state from step to step.
   */
  private static Done exportLanguageModel(
      RnnRetraining retraining,
      SearchData data,
      Map<String, String> metadata,
      Retraining.Result result) {
    metadata.put(ModelMetadata.TEST_PERPLEXITY, Double.toString(result.testPerplexity()));
    RnnLanguageModel network = retraining.model();
    byte[] model =
        RnnOnnxExporter.toBytes(
            RnnOnnxExporter.export(
                network.cell(), network.weights(), data.corpus().vocabulary().words(), metadata));
    int[] tokens = data.corpus().validation();
    int length = Math.min(VERIFY_STEPS, tokens.length / VERIFY_SEQUENCES);
    int[][] sequences = new int[VERIFY_SEQUENCES][length];
    for (int b = 0; b < VERIFY_SEQUENCES; b++) {
      System.arraycopy(tokens, b * length, sequences[b], 0, length);
    }
    ExportVerifier.StepAgreement agreement =
        new ExportVerifier().verifyLanguageModel(model, sequences, network::step);
    return new Done(result, model, Collections.unmodifiableMap(metadata), null, agreement);
  }

  /** The first {@code count} images as pixels scaled to [0, 1], the exported model's input. */
  static float[] rawImages(ImageDataset images, int count) {
    int n = Math.min(count, images.size());
    float[] out = new float[n * images.imageSize()];
    java.nio.ByteBuffer pixels = images.pixelBuffer();
    for (int i = 0; i < out.length; i++) {
      out[i] = (pixels.get(i) & 0xff) / 255f;
    }
    return out;
  }
}
