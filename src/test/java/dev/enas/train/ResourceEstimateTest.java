package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.spec.ChildSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.supernet.TensorState;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The estimate's weight counts equal those of networks actually built from the same specs, and its
 * memory grows as the spec does; the issue's 64-layer, 1,024-channel spec needs tens of GiB.
 */
class ResourceEstimateTest {

  @Test
  void parameterAndStatisticCountsMatchBuiltSupernets() throws IOException {
    for (SearchSpec spec :
        new SearchSpec[] {
          SearchSpec.smoke("macro", 1),
          with(SearchSpec.smoke("macro", 1), SpaceSpec.macro(7), new ChildSpec(6, 1, 8, 0)),
          SearchSpec.smoke("micro", 1),
          with(SearchSpec.smoke("micro", 1), SpaceSpec.micro(3), new ChildSpec(8, 2, 8, 0)),
          SearchSpec.smoke("rnn", 1),
          with(SearchSpec.smoke("rnn", 1), SpaceSpec.rnn(6), new ChildSpec(12, 1, 4, 0))
        }) {
      SearchData data = SearchData.load(spec);
      ResourceEstimate estimate =
          data.isText()
              ? ResourceEstimate.of(spec, 0, 0, 0, data.classes())
              : ResourceEstimate.of(
                  spec,
                  data.train().channels(),
                  data.train().height(),
                  data.train().width(),
                  data.classes());
      long trainable = 0;
      long statistics = 0;
      try (SharedModel model = SharedModel.create(spec, data)) {
        for (TensorState t : model.snapshot().tensors()) {
          if (t.trainable()) {
            trainable += t.values().length;
          } else {
            statistics += t.values().length;
          }
        }
      }
      assertThat(estimate.parameters()).as(spec.space().toString()).isEqualTo(trainable);
      assertThat(estimate.statistics()).as(spec.space().toString()).isEqualTo(statistics);
      assertThat(estimate.searchMemoryBytes()).isGreaterThan(4 * (3 * trainable + statistics));
    }
  }

  @Test
  void theIssuesHugeSpecNeedsTensOfGibibytes() {
    SearchSpec huge =
        with(SearchSpec.defaults("macro"), SpaceSpec.macro(64), new ChildSpec(1024, 1, 128, 0.1));
    ResourceEstimate estimate = ResourceEstimate.of(huge, 3, 32, 32, 10);
    // 42 c^2 weights per layer at widths c, 2c and 4c: over 20 billion parameters.
    assertThat(estimate.parameters()).isGreaterThan(20_000_000_000L);
    assertThat(estimate.memoryGib()).isGreaterThan(200);
  }

  @Test
  void thePaperDefaultsOnCifarFitUnderSixteenGibibytes() {
    for (String kind : new String[] {"macro", "micro"}) {
      ResourceEstimate estimate = ResourceEstimate.of(SearchSpec.defaults(kind), 3, 32, 32, 10);
      assertThat(estimate.memoryGib()).as(kind).isBetween(0.1, 16.0);
    }
  }

  @Test
  void memoryAndWorkGrowWithBatchAndWidth() {
    SearchSpec base = SearchSpec.defaults("micro");
    ResourceEstimate small = ResourceEstimate.of(base, 3, 32, 32, 10);
    ChildSpec c = base.child();
    ResourceEstimate biggerBatch =
        ResourceEstimate.of(
            with(
                base,
                base.space(),
                new ChildSpec(c.channels(), c.cellsPerStack(), c.batchSize() * 2, c.dropout())),
            3,
            32,
            32,
            10);
    ResourceEstimate wider =
        ResourceEstimate.of(
            with(
                base,
                base.space(),
                new ChildSpec(c.channels() * 2, c.cellsPerStack(), c.batchSize(), c.dropout())),
            3,
            32,
            32,
            10);
    assertThat(biggerBatch.parameters()).isEqualTo(small.parameters());
    assertThat(biggerBatch.searchMemoryBytes()).isGreaterThan(small.searchMemoryBytes());
    assertThat(biggerBatch.retrainMemoryBytes()).isEqualTo(small.retrainMemoryBytes());
    assertThat(biggerBatch.multiplyAddsPerStep()).isEqualTo(2 * small.multiplyAddsPerStep());
    assertThat(wider.parameters()).isGreaterThan(3 * small.parameters());
  }

  static SearchSpec with(SearchSpec s, SpaceSpec space, ChildSpec child) {
    return new SearchSpec(
        space,
        s.data(),
        child,
        s.shared(),
        s.controller(),
        s.derive(),
        s.retrain(),
        s.seed(),
        s.languageModel());
  }
}
