package dev.enas.server.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.data.Normalization;
import dev.enas.export.ModelMetadata;
import dev.enas.export.OnnxExporter;
import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StandaloneNetwork;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * An exported network computes in ONNX Runtime what it computes in DJL, for every architecture of
 * both spaces, after training has moved its weights and batch-norm statistics away from their
 * initial values, for one model file at more than one batch size. Images are 9 x 7 so a swapped
 * height and width, or an off-by-one in the odd-sized reductions, cannot hide.
 */
class ExportVerifierTest {
  private static final MacroSpace MACRO = new MacroSpace(6);
  private static final MicroSpace MICRO = new MicroSpace(3);
  private static final NetworkSpec MACRO_SPEC = new NetworkSpec(6, 4, 5, 3, 9, 7, 0.2f, true);
  private static final NetworkSpec MICRO_SPEC = new NetworkSpec(1, 4, 5, 3, 9, 7, 0.2f, true);
  private static final int TRAINING_STEPS = 4;
  private static final int TRAINING_BATCH = 6;
  private static double largestLogitDifference;
  private static int verified;

  @AfterContainer
  static void report() {
    // Visible in the build log, so a drift towards the tolerance is noticed before it fails.
    System.out.printf(
        "ExportVerifierTest: largest |logit difference| ONNX Runtime vs DJL, %d batches: %.2e%n",
        verified, largestLogitDifference);
  }

  // A seed has no smaller "simpler" form worth minutes of shrinking; the failing seed is reported.
  @Property(tries = 4, shrinking = ShrinkingMode.OFF)
  void macroExportMatchesDjl(@ForAll long seed) {
    assertExportMatches(MACRO, MACRO_SPEC, seed);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF)
  void microExportMatchesDjl(@ForAll long seed) {
    assertExportMatches(MICRO, MICRO_SPEC, seed);
  }

  /** Random architectures may miss an operation in a few tries; these hold every one. */
  @Example
  void everyOperationOfBothSpacesMatchesDjl() {
    assertExportMatches(everyOp(MACRO), MACRO_SPEC, 9);
    assertExportMatches(everyOp(MICRO), MICRO_SPEC, 10);
  }

  private static void assertExportMatches(SearchSpace space, NetworkSpec spec, long seed) {
    assertExportMatches(randomArchitecture(space, new Random(~seed)), spec, seed);
  }

  private static void assertExportMatches(Architecture architecture, NetworkSpec spec, long seed) {
    Random random = new Random(seed);
    Normalization normalization = randomNormalization(spec, random);
    try (StandaloneNetwork network = trained(architecture, spec, normalization, random, seed)) {
      byte[] model = export(network, normalization);
      ExportVerifier verifier = new ExportVerifier();
      for (int batch : new int[] {1, 3}) {
        ExportVerifier.Agreement agreement =
            verifier.verify(model, network, normalization, pixels(spec, batch, random));
        // verify() has already held every logit to 1e-4 plus 1e-6 of its size: a random trained
        // network can reach logits above 1,000, where one float32 step is 1.2e-4, so an absolute
        // 1e-4 on logits would test float rounding, not the export. Probabilities are bounded.
        assertThat(agreement.images()).isEqualTo(batch);
        assertThat(agreement.largestProbabilityDifference()).isLessThanOrEqualTo(1e-4);
        record(agreement);
      }
    }
  }

  @Example
  void aModelOfOtherWeightsIsRejectedWithTheLargestDifferenceAndWhere() {
    Random random = new Random(5);
    Normalization normalization = randomNormalization(MICRO_SPEC, random);
    try (StandaloneNetwork network =
        trained(randomArchitecture(MICRO, random), MICRO_SPEC, normalization, random, 5)) {
      byte[] model = export(network, normalization);
      // One more step changes weights and statistics: the old file no longer is this network.
      train(network, normalization, random, 1);
      float[] images = pixels(MICRO_SPEC, 3, random);
      assertThatThrownBy(() -> new ExportVerifier().verify(model, network, normalization, images))
          .isInstanceOfSatisfying(
              ExportVerifier.MismatchException.class,
              e -> {
                assertThat(e.difference()).isGreaterThan(1e-4);
                assertThat(e.image()).isBetween(0, 2);
                assertThat(e.index()).isBetween(0, MICRO_SPEC.classes() - 1);
                assertThat(e.getMessage())
                    .contains("largest logit difference")
                    .contains("image " + e.image() + " of 3")
                    .contains("class " + e.index())
                    .contains("ONNX Runtime")
                    .contains("DJL");
              });
    }
  }

  @Example
  void aModelExportedWithAnotherNormalisationIsRejected() {
    Random random = new Random(6);
    Normalization normalization = randomNormalization(MACRO_SPEC, random);
    try (StandaloneNetwork network =
        trained(randomArchitecture(MACRO, random), MACRO_SPEC, normalization, random, 6)) {
      byte[] model = export(network, Normalization.unit(3));
      float[] images = pixels(MACRO_SPEC, 2, random);
      assertThatThrownBy(() -> new ExportVerifier().verify(model, network, normalization, images))
          .isInstanceOf(ExportVerifier.MismatchException.class);
    }
  }

  @Example
  void bytesThatAreNoModelFailVerificationAndNormalisedImagesAreRefused() {
    Random random = new Random(7);
    Normalization normalization = randomNormalization(MACRO_SPEC, random);
    try (StandaloneNetwork network =
        StandaloneNetwork.create(
            randomArchitecture(MACRO, random), MACRO_SPEC, SgdSettings.macroDefaults(), 7)) {
      byte[] garbage = "not an onnx model".getBytes(StandardCharsets.UTF_8);
      float[] images = pixels(MACRO_SPEC, 1, random);
      assertThatThrownBy(() -> new ExportVerifier().verify(garbage, network, normalization, images))
          .isInstanceOf(ExportVerifier.VerificationException.class)
          .isNotInstanceOf(ExportVerifier.MismatchException.class)
          .hasMessageContaining("could not load");
      byte[] model = export(network, normalization);
      images[4] = -0.5f;
      assertThatThrownBy(() -> new ExportVerifier().verify(model, network, normalization, images))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[0, 1]");
    }
  }

  private static synchronized void record(ExportVerifier.Agreement agreement) {
    largestLogitDifference = Math.max(largestLogitDifference, agreement.largestLogitDifference());
    verified++;
  }

  /** The exported model's bytes: the server handles models as files, never as ONNX classes. */
  private static byte[] export(StandaloneNetwork network, Normalization normalization) {
    List<String> labels = new ArrayList<>();
    for (int k = 0; k < network.spec().classes(); k++) {
      labels.add("class " + k);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(ModelMetadata.SEARCH_ID, "test");
    metadata.put(ModelMetadata.SEED, "1");
    metadata.put(ModelMetadata.SPEC, network.spec().toString());
    metadata.put(ModelMetadata.DATASET, "random pixels");
    metadata.put(ModelMetadata.TEST_ACCURACY, "0.5");
    metadata.put(ModelMetadata.BUILD_VERSION, "test");
    return OnnxExporter.toBytes(OnnxExporter.export(network, normalization, labels, metadata));
  }

  /** A network whose weights and running statistics a few training steps have moved. */
  private static StandaloneNetwork trained(
      Architecture architecture,
      NetworkSpec spec,
      Normalization normalization,
      Random random,
      long seed) {
    StandaloneNetwork network =
        StandaloneNetwork.create(architecture, spec, SgdSettings.macroDefaults(), seed);
    try {
      train(network, normalization, random, TRAINING_STEPS);
      return network;
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  private static void train(
      StandaloneNetwork network, Normalization normalization, Random random, int steps) {
    NetworkSpec spec = network.spec();
    float[] mean = normalization.mean();
    float[] std = normalization.std();
    int plane = spec.height() * spec.width();
    for (int s = 0; s < steps; s++) {
      float[] x = pixels(spec, TRAINING_BATCH, random);
      for (int i = 0; i < x.length; i++) {
        int c = (i / plane) % spec.inputChannels();
        x[i] = (x[i] - mean[c]) / std[c];
      }
      int[] labels = new int[TRAINING_BATCH];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = random.nextInt(spec.classes());
      }
      network.trainStep(x, labels, 0.1);
    }
  }

  private static Architecture randomArchitecture(SearchSpace space, Random random) {
    int[] values = new int[space.decisionWidth()];
    int at = 0;
    for (Decision d : space.decisions()) {
      if (d instanceof Decision.Op) {
        values[at++] = random.nextInt(space.numOps());
      } else if (d instanceof Decision.Input in) {
        values[at++] = random.nextInt(in.candidates());
      } else if (d instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          values[at++] = random.nextInt(2);
        }
      }
    }
    return space.fromDecisions(values);
  }

  /** Operations in turn, every skip taken, inputs spread: each space's every primitive. */
  private static Architecture everyOp(SearchSpace space) {
    int[] values = new int[space.decisionWidth()];
    int at = 0;
    int op = 0;
    for (Decision d : space.decisions()) {
      if (d instanceof Decision.Op) {
        values[at++] = op++ % space.numOps();
      } else if (d instanceof Decision.Input in) {
        values[at++] = (op + 1) % in.candidates();
      } else if (d instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          values[at++] = 1;
        }
      }
    }
    return space.fromDecisions(values);
  }

  private static Normalization randomNormalization(NetworkSpec spec, Random random) {
    float[] mean = new float[spec.inputChannels()];
    float[] std = new float[spec.inputChannels()];
    for (int c = 0; c < mean.length; c++) {
      mean[c] = 0.2f + 0.5f * random.nextFloat();
      std[c] = 0.15f + 0.35f * random.nextFloat();
    }
    return new Normalization(mean, std);
  }

  private static float[] pixels(NetworkSpec spec, int batch, Random random) {
    float[] x = new float[batch * spec.imageSize()];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextInt(256) / 255f;
    }
    return x;
  }
}
