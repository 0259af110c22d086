package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.MacroSpace;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Whole searches end to end on a small slice of the embedded data. */
class SearchLoopTest {

  static SearchSpec tiny(String kind, long seed) {
    return SearchSpec.smoke(kind, seed);
  }

  private static List<SearchEvent> run(SearchSpec spec) {
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, events::add, () -> false).run();
    assertThat(result.phase()).as("search of %s ended: %s", spec.space(), result.reason())
        .isEqualTo(Phase.SUCCEEDED);
    return events;
  }

  private static <T extends SearchEvent> List<T> of(List<SearchEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aTinyMacroSearchRunsEndToEnd() {
    List<SearchEvent> events = run(tiny("macro", 1));
    assertThat(of(events, SearchEvent.ChildTrained.class)).hasSize(2 * 4);
    assertThat(of(events, SearchEvent.ArchitectureSampled.class)).hasSize(2 * 2 * 3);
    assertThat(of(events, SearchEvent.ControllerUpdated.class)).hasSize(2 * 2);
    assertThat(of(events, SearchEvent.EpochFinished.class)).hasSize(2);
    SearchEvent.Derived derived = of(events, SearchEvent.Derived.class).get(0);
    assertThat(derived.top()).isNotEmpty().hasSizeLessThanOrEqualTo(3);
    assertThat(derived.top().get(0).reward())
        .isGreaterThanOrEqualTo(derived.top().get(derived.top().size() - 1).reward());
    assertThat(of(events, SearchEvent.FinalTrainingProgress.class)).hasSize(1);
    SearchEvent.Finished finished = of(events, SearchEvent.Finished.class).get(0);
    assertThat(finished.architecture()).isEqualTo(derived.top().get(0).architecture());
    assertThat(finished.testAccuracy()).isBetween(0.0, 1.0);
    assertThat(finished.parameters()).isPositive();
    assertThat(events.get(events.size() - 2)).isEqualTo(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    assertThat(events.get(events.size() - 1)).isInstanceOf(SearchEvent.Finished.class);
    for (SearchEvent.ChildTrained c : of(events, SearchEvent.ChildTrained.class)) {
      assertThat(c.loss()).isFinite().isPositive();
      assertThat(c.learningRate()).isBetween(0.001, 0.05);
    }
  }

  @Test
  void screeningPicksTheDerivedChildAndThePlainBaselineTrainsWithTheSameBudget() {
    SearchSpec smoke = tiny("macro", 3);
    SearchSpec spec = new SearchSpec(smoke.space(), smoke.data(), smoke.child(), smoke.shared(),
        smoke.controller(), new DeriveSpec(6, 3, 2, 2, 3), smoke.retrain().withPlainBaseline(true),
        smoke.seed());
    List<SearchEvent> events = run(spec);

    List<SearchEvent.CandidateScreened> screened =
        of(events, SearchEvent.CandidateScreened.class);
    assertThat(screened).hasSize(2);
    assertThat(screened).extracting(SearchEvent.CandidateScreened::steps).containsOnly(3);
    SearchEvent.Derived derived = of(events, SearchEvent.Derived.class).get(0);
    assertThat(events.indexOf(derived)).isGreaterThan(events.indexOf(screened.get(1)));
    assertThat(derived.screenSteps()).isEqualTo(3);
    // The two screened candidates lead, best screening figure first, then the unscreened one.
    assertThat(derived.top().get(0).screened()).isTrue();
    assertThat(derived.top().get(1).screened()).isTrue();
    assertThat(derived.top().get(0).screenAccuracy())
        .isGreaterThanOrEqualTo(derived.top().get(1).screenAccuracy());
    assertThat(derived.top().subList(0, 2)).containsExactlyInAnyOrderElementsOf(
        screened.stream().map(SearchEvent.CandidateScreened::candidate).toList());
    if (derived.top().size() > 2) {
      assertThat(derived.top().get(2).screened()).isFalse();
    }

    SearchEvent.Finished finished = of(events, SearchEvent.Finished.class).get(0);
    assertThat(finished.architecture()).isEqualTo(derived.top().get(0).architecture());
    SearchEvent.PlainBaseline plain = finished.plainBaseline();
    assertThat(plain).isNotNull();
    assertThat(plain.architecture()).isEqualTo(new MacroSpace(3).plain().encode());
    assertThat(plain.parameters()).isPositive();
    assertThat(plain.testAccuracy()).isFinite();

    List<SearchEvent.FinalTrainingProgress> epochs =
        of(events, SearchEvent.FinalTrainingProgress.class);
    assertThat(epochs).extracting(SearchEvent.FinalTrainingProgress::plainBaseline)
        .containsExactly(false, true);
    List<Phase> phases = of(events, SearchEvent.PhaseChanged.class).stream()
        .map(SearchEvent.PhaseChanged::phase).toList();
    assertThat(phases.subList(phases.size() - 4, phases.size())).containsExactly(
        Phase.DERIVING, Phase.FINAL_TRAINING, Phase.BASELINE_TRAINING, Phase.SUCCEEDED);
  }

  @Test
  void screeningRanksScreenedCandidatesFirstByTheirFigure() {
    SearchEvent.Candidate a = new SearchEvent.Candidate("a", 0.9, -1);
    SearchEvent.Candidate b = new SearchEvent.Candidate("b", 0.8, -1);
    SearchEvent.Candidate c = new SearchEvent.Candidate("c", 0.7, -1);
    assertThat(Screening.rank(List.of(a.withScreening(0.5, Double.NaN),
        b.withScreening(0.6, Double.NaN), c)))
        .extracting(SearchEvent.Candidate::architecture).containsExactly("b", "a", "c");
    assertThat(Screening.rank(List.of(a.withScreening(Double.NaN, 120),
        b.withScreening(Double.NaN, 110), c.withScreening(Double.NaN, Double.POSITIVE_INFINITY))))
        .extracting(SearchEvent.Candidate::architecture).containsExactly("b", "a", "c");
  }

  @Test
  void aTinyMicroSearchRunsEndToEnd() {
    List<SearchEvent> events = run(tiny("micro", 2));
    assertThat(of(events, SearchEvent.Finished.class)).hasSize(1);
    assertThat(of(events, SearchEvent.Finished.class).get(0).architecture()).startsWith("micro:");
  }

  @Test
  void theSameSeedGivesTheSameSamplesAndTheSameDerivedChild() {
    List<SearchEvent> first = run(tiny("macro", 5));
    List<SearchEvent> second = run(tiny("macro", 5));
    assertThat(sampled(second)).isEqualTo(sampled(first));
    assertThat(of(second, SearchEvent.Derived.class)).isEqualTo(of(first, SearchEvent.Derived.class));
    List<SearchEvent> other = run(tiny("macro", 6));
    assertThat(sampled(other)).isNotEqualTo(sampled(first));
  }

  private static List<String> sampled(List<SearchEvent> events) {
    List<String> out = new ArrayList<>();
    for (SearchEvent e : events) {
      if (e instanceof SearchEvent.ChildTrained c) {
        out.add(c.architecture());
      } else if (e instanceof SearchEvent.ArchitectureSampled a) {
        out.add(a.architecture());
      }
    }
    return out;
  }

  @Test
  void cancellationStopsAtTheNextStepBoundary() {
    AtomicBoolean cancel = new AtomicBoolean();
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(tiny("macro", 1), e -> {
      events.add(e);
      if (e instanceof SearchEvent.ChildTrained c && c.step() == 2) {
        cancel.set(true);
      }
    }, cancel::get).run();
    assertThat(result.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(of(events, SearchEvent.ChildTrained.class)).hasSize(3);
    assertThat(events.get(events.size() - 2)).isEqualTo(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    assertThat(events.get(events.size() - 1)).isInstanceOf(SearchEvent.Cancelled.class);
  }

  @Test
  void nonFiniteLossesAreSkippedThenFailTheSearch() {
    SearchSpec t = tiny("macro", 1);
    // A learning rate of 100 without clipping blows the weights up within a few steps.
    SearchSpec exploding = new SearchSpec(t.space(), t.data(), t.child(),
        new TrainingSpec(3, 30, 100, 50, 1, 1, 0.9, 0, 0, 3), t.controller(), t.derive(),
        t.retrain(), 1);
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(exploding, events::add, () -> false).run();
    assertThat(result.phase()).isEqualTo(Phase.FAILED);
    assertThat(result.reason()).contains("shared.maxNonFiniteSteps is 3");
    List<SearchEvent.StepSkipped> skipped = of(events, SearchEvent.StepSkipped.class);
    assertThat(skipped).hasSizeGreaterThanOrEqualTo(3);
    assertThat(skipped.get(skipped.size() - 1).inARow()).isEqualTo(3);
    assertThat(of(events, SearchEvent.Failed.class)).hasSize(1);
  }
}
