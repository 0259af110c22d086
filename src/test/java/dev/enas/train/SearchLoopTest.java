package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.MacroSpace;
import dev.enas.space.SearchSpaces;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.RankCheckSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Whole searches end to end on a small slice of the embedded data. */
@Tag("slow")
class SearchLoopTest {

  static SearchSpec tiny(String kind, long seed) {
    return SearchSpec.smoke(kind, seed);
  }

  private static List<SearchEvent> run(SearchSpec spec) {
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, events::add, () -> false).run();
    assertThat(result.phase())
        .as("search of %s ended: %s", spec.space(), result.reason())
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
    assertThat(of(events, SearchEvent.FinalTrainingProgress.class)).hasSize(1);
    assertFinishedWithTheBestDerivedChild(tiny("macro", 1), events);
    assertThat(events.get(events.size() - 2))
        .isEqualTo(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    assertThat(events.get(events.size() - 1)).isInstanceOf(SearchEvent.Finished.class);
    for (SearchEvent.ChildTrained c : of(events, SearchEvent.ChildTrained.class)) {
      assertThat(c.loss()).isFinite().isPositive();
      assertThat(c.learningRate()).isBetween(0.001, 0.05);
    }
  }

  /**
   * A search whose derived child retrains for a few short epochs learns: the retraining loss falls
   * from epoch to epoch and the test accuracy on the embedded Fashion-MNIST subset clears chance
   * (0.1) by a wide margin.
   */
  @Test
  void aSearchWhoseChildRetrainsLongerLearns() {
    SearchSpec t = tiny("macro", 1);
    TrainingSpec r = t.retrain().training();
    SearchSpec longer =
        new SearchSpec(
            t.space(),
            t.data(),
            t.child(),
            t.shared(),
            t.controller(),
            t.derive(),
            new RetrainSpec(
                new ChildSpec(8, 1, 16, 0),
                new TrainingSpec(
                    3,
                    25,
                    r.learningRateMax(),
                    r.learningRateMin(),
                    3,
                    1,
                    r.momentum(),
                    r.weightDecay(),
                    r.gradientClip(),
                    r.maxNonFiniteSteps()),
                0),
            t.seed());
    List<SearchEvent> events = run(longer);

    SearchEvent.Finished finished = assertFinishedWithTheBestDerivedChild(longer, events);
    List<SearchEvent.FinalTrainingProgress> epochs =
        of(events, SearchEvent.FinalTrainingProgress.class);
    assertThat(epochs).hasSize(3);
    // Seen (seed 1): train loss 2.27 -> 1.65, validation 0.44, test 0.43; with a learning rate of
    // 1e-6 instead, a learner that does not learn: 2.53 -> 2.49, 0.075, 0.09.
    assertThat(epochs.get(2).trainLoss()).isLessThan(0.85 * epochs.get(0).trainLoss());
    assertThat(epochs.get(2).validationAccuracy()).isGreaterThan(0.25);
    assertThat(finished.testAccuracy()).isGreaterThan(0.3);
  }

  /**
   * The search ended with the child derivation chose: derivation scored {@code derive.samples}
   * children on one validation batch and reports the best {@code topK} by reward, the first of
   * which the search retrained; the Finished event describes that child.
   */
  private static SearchEvent.Finished assertFinishedWithTheBestDerivedChild(
      SearchSpec spec, List<SearchEvent> events) {
    assertThat(of(events, SearchEvent.Derived.class)).hasSize(1);
    SearchEvent.Derived derived = of(events, SearchEvent.Derived.class).get(0);
    assertThat(derived.sampled()).isEqualTo(spec.derive().samples());
    assertThat(derived.top()).hasSize(Math.min(spec.derive().topK(), spec.derive().samples()));
    for (int i = 1; i < derived.top().size(); i++) {
      assertThat(derived.top().get(i).reward())
          .as("reward of derived candidate %d", i)
          .isLessThanOrEqualTo(derived.top().get(i - 1).reward());
    }
    for (SearchEvent.Candidate c : derived.top()) {
      // A reward is an accuracy on one validation batch: a count of right answers over its size.
      double right = c.reward() * spec.child().batchSize();
      assertThat(right).as(c.toString()).isCloseTo(Math.rint(right), within(1e-9));
      assertThat(c.logProbability()).as(c.toString()).isNegative();
    }
    assertThat(of(events, SearchEvent.Finished.class)).hasSize(1);
    SearchEvent.Finished finished = of(events, SearchEvent.Finished.class).get(0);
    assertThat(finished.architecture()).isEqualTo(derived.top().get(0).architecture());
    assertThat(finished.architecture()).startsWith(spec.space().kind() + ":");
    assertThat(SearchSpaces.parse(finished.architecture()).encode())
        .isEqualTo(finished.architecture());
    assertThat(finished.parameters()).isPositive();
    assertThat(finished.seconds()).isPositive();
    assertThat(finished.testPerplexity()).isNaN();
    return finished;
  }

  /**
   * derive.selection most-probable changes only which child leads: the search before it, the
   * sampled candidates and their scores are those of the paper's selection, and the derived child
   * is the policy's mode, which leads the list even where a sampled child scored better.
   */
  @Test
  void mostProbableLeadsAndLeavesTheSampledCandidatesAlone() {
    SearchSpec smoke = tiny("macro", 2);
    DeriveSpec paper = new DeriveSpec(12, 12);
    List<SearchEvent> best = run(withDerive(smoke, paper));
    List<SearchEvent> mode = run(withDerive(smoke, paper.withSelection(DeriveSpec.MOST_PROBABLE)));

    List<SearchEvent.Candidate> bestTop = of(best, SearchEvent.Derived.class).get(0).top();
    List<SearchEvent.Candidate> modeTop = of(mode, SearchEvent.Derived.class).get(0).top();
    SearchEvent.Candidate leader = modeTop.get(0);
    assertThat(of(mode, SearchEvent.Finished.class).get(0).architecture())
        .isEqualTo(leader.architecture());
    assertThat(modeTop.subList(1, modeTop.size()))
        .isEqualTo(
            bestTop.stream()
                .filter(c -> !c.architecture().equals(leader.architecture()))
                .limit(modeTop.size() - 1)
                .toList());
    assertThat(of(mode, SearchEvent.ArchitectureSampled.class))
        .isEqualTo(of(best, SearchEvent.ArchitectureSampled.class));
  }

  private static SearchSpec withDerive(SearchSpec s, DeriveSpec derive) {
    return new SearchSpec(
        s.space(), s.data(), s.child(), s.shared(), s.controller(), derive, s.retrain(), s.seed());
  }

  @Test
  void screeningPicksTheDerivedChildAndThePlainBaselineTrainsWithTheSameBudget() {
    SearchSpec smoke = tiny("macro", 3);
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            smoke.child(),
            smoke.shared(),
            smoke.controller(),
            new DeriveSpec(6, 3, 2, 2, 3),
            smoke.retrain().withPlainBaseline(true),
            smoke.seed());
    List<SearchEvent> events = run(spec);

    List<SearchEvent.CandidateScreened> screened = of(events, SearchEvent.CandidateScreened.class);
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
    assertThat(derived.top().subList(0, 2))
        .containsExactlyInAnyOrderElementsOf(
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
    assertThat(epochs)
        .extracting(SearchEvent.FinalTrainingProgress::plainBaseline)
        .containsExactly(false, true);
    List<Phase> phases =
        of(events, SearchEvent.PhaseChanged.class).stream()
            .map(SearchEvent.PhaseChanged::phase)
            .toList();
    assertThat(phases.subList(phases.size() - 4, phases.size()))
        .containsExactly(
            Phase.DERIVING, Phase.FINAL_TRAINING, Phase.BASELINE_TRAINING, Phase.SUCCEEDED);
  }

  /**
   * With derive.rankCheck on, the retraining phase opens by training that many of the derivation's
   * children alone, and the result carries Kendall's tau between their shared-weight rewards and
   * those standalone accuracies: the tau recomputed from the returned pairs.
   */
  @Test
  void aRankCheckTrainsDerivedChildrenAloneAndReportsTheirKendallTau() {
    SearchSpec smoke = tiny("macro", 4);
    SearchSpec spec =
        withDerive(smoke, new DeriveSpec(6, 6).withRankCheck(new RankCheckSpec(4, 3)));
    List<SearchEvent> events = new ArrayList<>();
    SearchResult result = new SearchLoop(spec, events::add, () -> false).run();
    assertThat(result.phase()).as(result.reason()).isEqualTo(Phase.SUCCEEDED);

    // Every distinct child the derivation drew is in its top 6, with the reward it was scored.
    SearchEvent.Derived derived = of(events, SearchEvent.Derived.class).get(0);
    int expected = Math.min(4, derived.top().size());
    assertThat(expected).isGreaterThanOrEqualTo(3);
    List<SearchEvent.RankCheckTrained> trained = of(events, SearchEvent.RankCheckTrained.class);
    assertThat(trained).hasSize(expected);
    assertThat(trained).extracting(SearchEvent.RankCheckTrained::index).containsExactly(0, 1, 2, 3);
    assertThat(trained).extracting(SearchEvent.RankCheckTrained::steps).containsOnly(3);
    assertThat(trained).extracting(SearchEvent.RankCheckTrained::count).containsOnly(expected);
    // In the retraining phase, before the derived child's first epoch.
    int firstEpoch = events.indexOf(of(events, SearchEvent.FinalTrainingProgress.class).get(0));
    assertThat(events.indexOf(trained.get(0)))
        .isGreaterThan(events.indexOf(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING)));
    assertThat(events.indexOf(trained.get(expected - 1))).isLessThan(firstEpoch);

    SearchEvent.RankCheck check = result.rankCheck();
    assertThat(check).isNotNull();
    assertThat(of(events, SearchEvent.Finished.class).get(0).rankCheck()).isEqualTo(check);
    assertThat(check.steps()).isEqualTo(3);
    assertThat(check.architectures())
        .isEqualTo(trained.stream().map(SearchEvent.RankCheckTrained::candidate).toList());
    for (SearchEvent.Candidate c : check.architectures()) {
      assertThat(c.screenAccuracy())
          .as("an accuracy measured by training the child alone, not the unscreened -1")
          .isBetween(0.0, 1.0);
      SearchEvent.Candidate scored =
          derived.top().stream()
              .filter(d -> d.architecture().equals(c.architecture()))
              .findFirst()
              .orElseThrow();
      assertThat(c.reward()).isEqualTo(scored.reward());
    }
    double[] rewards =
        check.architectures().stream().mapToDouble(SearchEvent.Candidate::reward).toArray();
    double[] alone =
        check.architectures().stream().mapToDouble(SearchEvent.Candidate::screenAccuracy).toArray();
    KendallTau recomputed = KendallTau.of(rewards, alone);
    assertThat(check.kendallTau()).isEqualTo(recomputed.tau());
    assertThat(check.pValue()).isEqualTo(recomputed.pValue());
  }

  @Test
  void screeningRanksScreenedCandidatesFirstByTheirFigure() {
    SearchEvent.Candidate a = new SearchEvent.Candidate("a", 0.9, -1);
    SearchEvent.Candidate b = new SearchEvent.Candidate("b", 0.8, -1);
    SearchEvent.Candidate c = new SearchEvent.Candidate("c", 0.7, -1);
    assertThat(
            Screening.rank(
                List.of(a.withScreening(0.5, Double.NaN), b.withScreening(0.6, Double.NaN), c)))
        .extracting(SearchEvent.Candidate::architecture)
        .containsExactly("b", "a", "c");
    assertThat(
            Screening.rank(
                List.of(
                    a.withScreening(Double.NaN, 120),
                    b.withScreening(Double.NaN, 110),
                    c.withScreening(Double.NaN, Double.POSITIVE_INFINITY))))
        .extracting(SearchEvent.Candidate::architecture)
        .containsExactly("b", "a", "c");
  }

  @Test
  void aTinyMicroSearchRunsEndToEnd() {
    List<SearchEvent> events = run(tiny("micro", 2));
    SearchEvent.Finished finished = assertFinishedWithTheBestDerivedChild(tiny("micro", 2), events);
    assertThat(finished.architecture()).startsWith("micro:");
  }

  @Test
  void theSameSeedGivesTheSameSamplesAndTheSameDerivedChild() {
    List<SearchEvent> first = run(tiny("macro", 5));
    List<SearchEvent> second = run(tiny("macro", 5));
    assertThat(sampled(second)).isEqualTo(sampled(first));
    assertThat(of(second, SearchEvent.Derived.class))
        .isEqualTo(of(first, SearchEvent.Derived.class));
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
    SearchResult result =
        new SearchLoop(
                tiny("macro", 1),
                e -> {
                  events.add(e);
                  if (e instanceof SearchEvent.ChildTrained c && c.step() == 2) {
                    cancel.set(true);
                  }
                },
                cancel::get)
            .run();
    assertThat(result.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(of(events, SearchEvent.ChildTrained.class)).hasSize(3);
    assertThat(events.get(events.size() - 2))
        .isEqualTo(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    assertThat(events.get(events.size() - 1)).isInstanceOf(SearchEvent.Cancelled.class);
  }

  @Test
  void nonFiniteLossesAreSkippedThenFailTheSearch() {
    SearchSpec t = tiny("macro", 1);
    // A learning rate of 100 without clipping blows the weights up within a few steps.
    SearchSpec exploding =
        new SearchSpec(
            t.space(),
            t.data(),
            t.child(),
            new TrainingSpec(3, 30, 100, 50, 1, 1, 0.9, 0, 0, 3),
            t.controller(),
            t.derive(),
            t.retrain(),
            1);
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
