package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.spec.DataSpec;
import dev.enas.spec.SearchSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Whole recurrent-cell searches end to end on a slice of the embedded sonnets. */
@Tag("slow")
class RnnSearchLoopTest {

  private static List<SearchEvent> run(SearchSpec spec) {
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, events::add, () -> false).run();
    assertThat(result.phase())
        .as("rnn search ended: %s", result.reason())
        .isEqualTo(Phase.SUCCEEDED);
    assertThat(result.testPerplexity()).isFinite().isGreaterThan(1);
    assertThat(result.testAccuracy()).isNaN();
    return events;
  }

  private static <T extends SearchEvent> List<T> of(List<SearchEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aTinyRnnSearchRunsEndToEndAndReportsPerplexities() throws Exception {
    SearchSpec spec = SearchSpec.smoke("rnn", 3);
    List<SearchEvent> events = run(spec);
    int vocabulary = SearchData.load(spec).corpus().vocabulary().size();
    List<SearchEvent.ChildTrained> trained = of(events, SearchEvent.ChildTrained.class);
    assertThat(trained).hasSize(2 * 4);
    for (SearchEvent.ChildTrained c : trained) {
      assertThat(c.architecture()).startsWith("rnn:");
      assertThat(c.perplexity()).isEqualTo(Math.exp(c.loss()));
      assertThat(c.learningRate()).isEqualTo(20.0);
    }
    List<SearchEvent.ArchitectureSampled> sampled =
        of(events, SearchEvent.ArchitectureSampled.class);
    assertThat(sampled).hasSize(2 * 2 * 3);
    for (SearchEvent.ArchitectureSampled a : sampled) {
      // reward = 80 / perplexity, and an untrained model is about as perplexed as the vocabulary.
      assertThat(a.reward() * a.perplexity())
          .isCloseTo(80.0, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(a.perplexity()).isGreaterThan(1).isLessThan(vocabulary * 4.0);
    }
    SearchEvent.Derived derived = of(events, SearchEvent.Derived.class).get(0);
    SearchEvent.Finished finished = of(events, SearchEvent.Finished.class).get(0);
    assertThat(finished.architecture()).isEqualTo(derived.top().get(0).architecture());
    assertThat(finished.testPerplexity()).isFinite().isGreaterThan(1);
    assertThat(finished.testAccuracy()).isNaN();
    assertThat(finished.parameters()).isPositive();
    List<SearchEvent.FinalTrainingProgress> progress =
        of(events, SearchEvent.FinalTrainingProgress.class);
    assertThat(progress).hasSize(2);
    assertThat(progress.get(1).validationPerplexity()).isFinite().isGreaterThan(1);
  }

  @Test
  void theSameSeedGivesTheSameCellsAndTheSameDerivedCell() {
    List<SearchEvent> first = run(SearchSpec.smoke("rnn", 8));
    List<SearchEvent> second = run(SearchSpec.smoke("rnn", 8));
    assertThat(architectures(second)).isEqualTo(architectures(first));
    assertThat(of(second, SearchEvent.Derived.class))
        .isEqualTo(of(first, SearchEvent.Derived.class));
  }

  @Test
  void theRnnSpaceRejectsImageDataAndTheOthersRejectText() {
    SearchSpec rnn = SearchSpec.smoke("rnn", 1);
    SearchSpec onImages =
        new SearchSpec(
            rnn.space(),
            DataSpec.embedded(),
            rnn.child(),
            rnn.shared(),
            rnn.controller(),
            rnn.derive(),
            rnn.retrain(),
            1,
            rnn.languageModel());
    assertThat(onImages.violations())
        .extracting(Object::toString)
        .anyMatch(v -> v.contains("data.dataset") && v.contains("'sonnets' or 'ptb:DIR'"));
    SearchSpec macro = SearchSpec.smoke("macro", 1);
    SearchSpec onText =
        new SearchSpec(
            macro.space(),
            DataSpec.sonnets(),
            macro.child(),
            macro.shared(),
            macro.controller(),
            macro.derive(),
            macro.retrain(),
            1);
    assertThat(onText.violations())
        .extracting(Object::toString)
        .anyMatch(v -> v.contains("data.dataset") && v.contains("classifies images"));
  }

  private static List<String> architectures(List<SearchEvent> events) {
    List<String> out = new ArrayList<>();
    for (SearchEvent e : events) {
      if (e instanceof SearchEvent.ChildTrained c) {
        out.add(c.architecture());
      } else if (e instanceof SearchEvent.ArchitectureSampled a) {
        out.add(a.architecture() + " " + a.reward());
      }
    }
    return out;
  }
}
