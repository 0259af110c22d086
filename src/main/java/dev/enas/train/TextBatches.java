package dev.enas.train;

import dev.enas.data.MiniBatch;
import dev.enas.data.TextBatcher;
import dev.enas.data.TextCorpus;
import dev.enas.data.TokenBatch;
import dev.enas.spec.SearchSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The text windows of the rnn space: consecutive BPTT windows of {@code child.batchSize} streams
 * for shared training, and of a validation batch size that leaves at least four windows per pass of
 * the (usually small) validation file for rewards.
 */
final class TextBatches {
  private TextBatches() {}

  /** Windows of the training file, without end. */
  static BatchSource training(SearchData data, SearchSpec spec, long start) {
    return source(
        TextBatcher.builder(
                data.corpus(),
                TextCorpus.Split.TRAIN,
                spec.child().batchSize(),
                spec.languageModel().bpttSteps())
            .fieldNames("child.batchSize", "languageModel.bpttSteps")
            .endless()
            .startAt(start)
            .build());
  }

  /** Windows of the validation file, without end, in order, after the first {@code start}. */
  static BatchSource validation(SearchData data, SearchSpec spec, long start) {
    return source(validationBuilder(data, spec).endless().startAt(start).build());
  }

  /** The first {@code count} validation windows (fewer if the file is short), for derivation. */
  static List<MiniBatch> fixedValidation(SearchData data, SearchSpec spec, int count) {
    TextBatcher batcher = validationBuilder(data, spec).build();
    int windows = Math.max(1, Math.min(count, batcher.windowsPerPass()));
    List<MiniBatch> out = new ArrayList<>(windows);
    for (int i = 0; i < windows; i++) {
      out.add(batcher.next());
    }
    return List.copyOf(out);
  }

  /**
   * Sequences per validation window: {@code child.batchSize}, lowered so that the validation file
   * gives at least four windows (the paper evaluates rewards on small validation batches).
   */
  static int validationBatchSize(SearchData data, SearchSpec spec) {
    int steps = spec.languageModel().bpttSteps();
    int tokens = data.corpus().validation().length;
    int fits = tokens / (4 * (steps + 1));
    return Math.max(1, Math.min(spec.child().batchSize(), fits));
  }

  private static TextBatcher.Builder validationBuilder(SearchData data, SearchSpec spec) {
    return TextBatcher.builder(
            data.corpus(),
            TextCorpus.Split.VALIDATION,
            validationBatchSize(data, spec),
            spec.languageModel().bpttSteps())
        .fieldNames("child.batchSize", "languageModel.bpttSteps");
  }

  private static BatchSource source(TextBatcher batcher) {
    return new BatchSource() {
      @Override
      public TokenBatch next() {
        return batcher.next();
      }

      @Override
      public int perPass() {
        return batcher.windowsPerPass();
      }

      @Override
      public long position() {
        return batcher.position();
      }

      @Override
      public void close() {}
    };
  }
}
