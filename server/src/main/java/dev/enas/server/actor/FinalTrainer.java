package dev.enas.server.actor;

import dev.enas.data.ImageDataset;
import dev.enas.export.ModelMetadata;
import dev.enas.export.OnnxExporter;
import dev.enas.export.RnnOnnxExporter;
import dev.enas.supernet.RnnLanguageModel;
import dev.enas.supernet.TorchThreads;
import dev.enas.server.api.SpecJson;
import dev.enas.server.serving.ExportVerifier;
import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Retrainer;
import dev.enas.train.Retraining;
import dev.enas.train.Screening;
import dev.enas.train.RnnRetraining;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Retrains the derived child from scratch on the device dispatcher, one minibatch per message, so
 * other searches' steps interleave with it instead of waiting for the whole retraining. Reports
 * each epoch and the test accuracy to its parent, then exports the network to ONNX and checks the
 * export in ONNX Runtime against the network itself: it owns the network on the device thread, so
 * this is the one place both can be compared. Closes the network when it stops.
 */
public final class FinalTrainer {
  private FinalTrainer() {}

  /** What the final trainer accepts (only its own step messages). */
  public sealed interface Command {}

  private record Step(int epoch, int stepInEpoch) implements Command {}

  private record Export(Retraining.Result result) implements Command {}

  /** Test images the export is verified on: enough to cover every class of the embedded data. */
  static final int VERIFY_IMAGES = 64;
  /** Sequences, and tokens in each, the one-step language model is verified on. */
  static final int VERIFY_SEQUENCES = 3;
  static final int VERIFY_STEPS = 20;

  /** What the final trainer tells its parent. */
  public sealed interface Report {}

  /** An epoch of retraining ended. */
  public record EpochDone(SearchEvent.FinalTrainingProgress progress) implements Report {}

  /** Retraining ended with the child's test accuracy; the export starts. */
  public record Tested(Retraining.Result result) implements Report {}

  /**
   * The network is exported and ONNX Runtime computes what it computes.
   *
   * @param model the ONNX model's bytes
   * @param metadata the provenance written into the model, to store beside it
   * @param agreement how closely ONNX Runtime matched an image classifier; null for a language
   *     model
   * @param stepAgreement how closely ONNX Runtime's one-step model matched a language model step
   *     by step over whole sequences; null for an image classifier
   */
  public record Done(Retraining.Result result, byte[] model, Map<String, String> metadata,
      ExportVerifier.Agreement agreement, ExportVerifier.StepAgreement stepAgreement)
      implements Report {}

  /** Retraining failed. */
  public record RetrainingFailed(String reason) implements Report {}

  /** The export could not be built, or ONNX Runtime disagrees with the network (how far, where). */
  public record ExportFailed(String reason) implements Report {}

  /**
   * @param searchId names the search in the model's provenance
   * @param buildVersion the server build, for the model's provenance
   */
  public static Behavior<Command> create(Architecture child, SearchData data, SearchSpec spec,
      String searchId, String buildVersion, ActorRef<Report> parent) {
    return create(child, data, spec, searchId, buildVersion, parent, Mode.FINAL);
  }

  /**
   * Retrains the plain baseline: the same retraining as the derived child's, ending with {@link
   * Tested}; nothing is exported.
   */
  public static Behavior<Command> baseline(Architecture plain, SearchData data, SearchSpec spec,
      ActorRef<Report> parent) {
    return create(plain, data, spec, "", "", parent, Mode.BASELINE);
  }

  /**
   * Screens a derivation candidate ({@code dev.enas.train.Screening}): the one epoch of {@code
   * Screening.spec(spec)}, ending with its {@link EpochDone}; the test set is not read.
   */
  public static Behavior<Command> screen(Architecture candidate, SearchData data, SearchSpec spec,
      ActorRef<Report> parent) {
    return create(candidate, data, Screening.spec(spec), "", "", parent, Mode.SCREEN);
  }

  /** What a final trainer is for: how far it goes after the last epoch. */
  private enum Mode { FINAL, BASELINE, SCREEN }

  private static Behavior<Command> create(Architecture child, SearchData data, SearchSpec spec,
      String searchId, String buildVersion, ActorRef<Report> parent, Mode mode) {
    return Behaviors.setup(context -> {
      Retrainer retraining;
      try {
        retraining = Retrainer.create(child, data, spec);
      } catch (RuntimeException e) {
        parent.tell(new RetrainingFailed("building the final network failed: " + e.getMessage()));
        return Behaviors.stopped();
      }
      context.getSelf().tell(new Step(0, 0));
      return Behaviors.receive(Command.class)
          .onMessage(Step.class, m -> {
            try {
              retraining.step(m.epoch(), m.stepInEpoch());
              int next = m.stepInEpoch() + 1;
              if (next < retraining.stepsPerEpoch()) {
                context.getSelf().tell(new Step(m.epoch(), next));
                return Behaviors.same();
              }
              parent.tell(new EpochDone(retraining.endEpoch(m.epoch())));
              if (mode == Mode.SCREEN) {
                return Behaviors.stopped();
              }
              if (m.epoch() + 1 < retraining.epochs()) {
                context.getSelf().tell(new Step(m.epoch() + 1, 0));
                return Behaviors.same();
              }
              Retraining.Result result = retraining.test();
              parent.tell(new Tested(result));
              if (mode == Mode.BASELINE) {
                return Behaviors.stopped();
              }
              // A message of its own, so the device thread can serve other searches in between.
              context.getSelf().tell(new Export(result));
              return Behaviors.same();
            } catch (RuntimeException e) {
              parent.tell(new RetrainingFailed(message(e)));
            }
            return Behaviors.stopped();
          })
          .onMessage(Export.class, m -> {
            try {
              parent.tell(export(retraining, data, spec, searchId, buildVersion, m.result()));
            } catch (RuntimeException e) {
              parent.tell(new ExportFailed(message(e)));
            }
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, signal -> {
            retraining.close();
            return Behaviors.same();
          })
          .build();
    });
  }

  private static Done export(Retrainer retrainer, SearchData data, SearchSpec spec,
      String searchId, String buildVersion, Retraining.Result result) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(ModelMetadata.SEARCH_ID, searchId);
    metadata.put(ModelMetadata.SEED, Long.toString(spec.seed()));
    // Protobuf JSON of the wire spec: a client reads it back and starts the same search again.
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
    byte[] model = OnnxExporter.toBytes(OnnxExporter.export(retraining.network(),
        data.normalization(), data.train().classNames(), metadata));
    ExportVerifier.Agreement agreement = new ExportVerifier().verify(model, retraining.network(),
        data.normalization(), rawImages(data.test(), VERIFY_IMAGES));
    return new Done(result, model, Collections.unmodifiableMap(metadata), agreement,
        null);
  }

  /**
   * The retrained language model as a one-step ONNX graph, verified in ONNX Runtime over {@link
   * #VERIFY_SEQUENCES} sequences of {@link #VERIFY_STEPS} tokens of the validation file, each side
   * carrying its own hidden state from step to step.
   */
  private static Done exportLanguageModel(RnnRetraining retraining, SearchData data,
      Map<String, String> metadata, Retraining.Result result) {
    metadata.put(ModelMetadata.TEST_PERPLEXITY, Double.toString(result.testPerplexity()));
    RnnLanguageModel network = retraining.model();
    byte[] model = RnnOnnxExporter.toBytes(RnnOnnxExporter.export(network.cell(),
        network.weights(), data.corpus().vocabulary().words(), metadata));
    int[] tokens = data.corpus().validation();
    int length = Math.min(VERIFY_STEPS, tokens.length / VERIFY_SEQUENCES);
    int[][] sequences = new int[VERIFY_SEQUENCES][length];
    for (int b = 0; b < VERIFY_SEQUENCES; b++) {
      System.arraycopy(tokens, b * length, sequences[b], 0, length);
    }
    ExportVerifier.StepAgreement agreement =
        new ExportVerifier().verifyLanguageModel(model, sequences, network::step);
    return new Done(result, model, Collections.unmodifiableMap(metadata), null,
        agreement);
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

  private static String message(RuntimeException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
