package dev.enas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.spec.ChildSpec;
import dev.enas.spec.ControllerSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.LanguageModelSpec;
import dev.enas.spec.RankCheckSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchResult;
import dev.enas.train.SearchRun;
import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A search stopped at step boundaries, written to bytes, and continued from those bytes in fresh
 * objects (new data, new networks, new controller) gives exactly the events and the result of the
 * same search run without a stop: same sampled architectures, losses and rewards bit for bit, same
 * derived child, same retrained test figure. Only wall-clock seconds may differ.
 */
@Tag("slow")
class SearchResumeTest {

  /** What a search reported, its wall-clock figures zeroed. */
  record Run(List<SearchEvent> events, SearchResult result, List<SearchSnapshot.Cursor> cursors) {}

  @Test
  void aMacroSearchWithScreeningAndABaselineResumesExactlyAtEveryKindOfBoundary()
      throws IOException {
    SearchSpec smoke = withDropout(SearchSpec.smoke("macro", 5));
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
    checkResumes(spec, true);
  }

  /**
   * A rank check (here of a language model, whose standalone figure is a perplexity) resumes inside
   * an architecture's training and between two, to the same correlation.
   */
  @Test
  void aSearchWithARankCheckResumesExactlyInsideIt() throws IOException {
    SearchSpec smoke = SearchSpec.smoke("rnn", 17);
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            smoke.child(),
            smoke.shared(),
            smoke.controller(),
            smoke.derive().withRankCheck(new RankCheckSpec(3, 2)),
            smoke.retrain(),
            smoke.seed(),
            smoke.languageModel());
    checkResumes(spec, false);
  }

  @Test
  void aSearchWithAWarmUpEpochResumesExactlyInsideAndAfterIt() throws IOException {
    // Two epochs, the first a warm-up: the stops mid epoch 0 resume the uniform sampler's stream.
    SearchSpec smoke = withDropout(SearchSpec.smoke("macro", 9));
    ControllerSpec k = smoke.controller();
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            smoke.child(),
            smoke.shared(),
            new ControllerSpec(
                k.kind(),
                k.hiddenSize(),
                k.lstmLayers(),
                k.learningRate(),
                k.tanhConstant(),
                k.temperature(),
                k.opTanhReduce(),
                k.entropyWeight(),
                k.baselineDecay(),
                k.skipTarget(),
                k.skipWeight(),
                k.gradientClip(),
                k.adamBeta2(),
                k.adamEpsilon(),
                k.initRange(),
                k.updatesPerEpoch(),
                k.childrenPerUpdate(),
                1),
            smoke.derive(),
            smoke.retrain(),
            smoke.seed());
    checkResumes(spec, false);
  }

  @Test
  void aMicroSearchResumesExactly() throws IOException {
    checkResumes(withDropout(SearchSpec.smoke("micro", 7)), false);
  }

  @Test
  void anRnnSearchResumesExactlyWithItsCarriedStatesAndMasks() throws IOException {
    SearchSpec smoke = SearchSpec.smoke("rnn", 11);
    ChildSpec child = new ChildSpec(8, 1, 4, 0.2);
    RetrainSpec r = smoke.retrain();
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            child,
            smoke.shared(),
            smoke.controller(),
            smoke.derive(),
            new RetrainSpec(child, r.training(), r.cutout(), true),
            smoke.seed(),
            new LanguageModelSpec(10, 0.1, 0.2, 50_000));
    checkResumes(spec, true);
  }

  @Test
  void aRandomSearchWithWeightSharingResumesExactly() throws IOException {
    SearchSpec s = SearchSpec.smoke("rnn", 13);
    ControllerSpec c = s.controller();
    ControllerSpec random =
        new ControllerSpec(
            "random",
            c.hiddenSize(),
            c.lstmLayers(),
            c.learningRate(),
            c.tanhConstant(),
            c.temperature(),
            c.opTanhReduce(),
            c.entropyWeight(),
            c.baselineDecay(),
            c.skipTarget(),
            c.skipWeight(),
            c.gradientClip(),
            c.adamBeta2(),
            c.adamEpsilon(),
            c.initRange(),
            c.updatesPerEpoch(),
            c.childrenPerUpdate());
    checkResumes(
        new SearchSpec(
            s.space(),
            s.data(),
            s.child(),
            s.shared(),
            random,
            s.derive(),
            s.retrain(),
            s.seed(),
            s.languageModel()),
        false);
  }

  /**
   * Taking a snapshot changes nothing: a search that writes one before every step and goes on (as a
   * scheduler does at its snapshot interval) reports what one that never does reports.
   */
  @Test
  void takingASnapshotAndGoingOnChangesNothing() throws IOException {
    for (SearchSpec spec :
        List.of(withDropout(SearchSpec.smoke("macro", 2)), SearchSpec.smoke("rnn", 2))) {
      Run straight = run(spec, new TreeSet<>());
      List<SearchEvent> events = new ArrayList<>();
      try (SearchRun search = SearchRun.start(spec, SearchData.load(spec), System.nanoTime())) {
        while (!search.finished()) {
          assertThat(SnapshotCodec.encode(search.snapshot())).isNotEmpty();
          search.step(e -> events.add(withoutClock(e)), () -> {});
        }
        assertThat(withoutClock(search.result())).isEqualTo(straight.result());
      }
      assertThat(events).isEqualTo(straight.events());
    }
  }

  /** The smoke spec with dropout in the search and the retraining, so masks are drawn. */
  static SearchSpec withDropout(SearchSpec s) {
    ChildSpec c = s.child();
    ChildSpec search = new ChildSpec(c.channels(), c.cellsPerStack(), c.batchSize(), 0.3);
    ChildSpec n = s.retrain().network();
    ChildSpec retrain = new ChildSpec(n.channels(), n.cellsPerStack(), n.batchSize(), 0.3);
    RetrainSpec r = s.retrain();
    return new SearchSpec(
        s.space(),
        s.data(),
        search,
        s.shared(),
        s.controller(),
        s.derive(),
        new RetrainSpec(retrain, r.training(), r.cutout(), r.plainBaseline()),
        s.seed(),
        s.languageModel());
  }

  private static void checkResumes(SearchSpec spec, boolean baseline) throws IOException {
    Run straight = run(spec, new TreeSet<>());
    assertThat(straight.result().phase()).as(straight.result().reason()).isEqualTo(Phase.SUCCEEDED);

    List<SearchSnapshot.Cursor> at = straight.cursors();
    TreeSet<Integer> stops = new TreeSet<>();
    stops.add(0);
    stops.add(at.size());
    stops.add(first(at, c -> c.stage() == SearchRun.Stage.SHARED_TRAINING && c.step() == 2));
    stops.add(
        first(
            at,
            c -> c.stage() == SearchRun.Stage.SHARED_TRAINING && c.epoch() == 1 && c.step() == 0));
    stops.add(first(at, c -> c.stage() == SearchRun.Stage.CONTROLLER_TRAINING && c.child() == 1));
    stops.add(
        first(
            at,
            c ->
                c.stage() == SearchRun.Stage.CONTROLLER_TRAINING
                    && c.update() == 1
                    && c.child() == 0));
    stops.add(first(at, c -> c.stage() == SearchRun.Stage.DERIVING && c.step() == 3));
    stops.add(first(at, c -> c.stage() == SearchRun.Stage.FINAL_TRAINING && c.step() == 0));
    stops.add(first(at, c -> c.stage() == SearchRun.Stage.FINAL_TRAINING && c.step() == 2));
    if (spec.derive().screens()) {
      stops.add(first(at, c -> c.stage() == SearchRun.Stage.SCREENING && c.step() == 1));
      stops.add(
          first(
              at, c -> c.stage() == SearchRun.Stage.SCREENING && c.index() == 1 && c.step() == 0));
    }
    if (baseline) {
      stops.add(first(at, c -> c.stage() == SearchRun.Stage.BASELINE_TRAINING && c.step() == 1));
    }
    if (spec.derive().rankCheck().on()) {
      stops.add(first(at, c -> c.stage() == SearchRun.Stage.RANK_CHECK && c.step() == 0));
      stops.add(
          first(
              at, c -> c.stage() == SearchRun.Stage.RANK_CHECK && c.index() == 1 && c.step() == 1));
    }

    Run resumed = run(spec, stops);

    assertThat(resumed.cursors()).isEqualTo(straight.cursors());
    assertThat(resumed.events()).hasSameSizeAs(straight.events());
    for (int i = 0; i < straight.events().size(); i++) {
      assertThat(resumed.events().get(i)).as("event %d", i).isEqualTo(straight.events().get(i));
    }
    assertThat(resumed.result()).isEqualTo(straight.result());
  }

  private static int first(
      List<SearchSnapshot.Cursor> cursors, Predicate<SearchSnapshot.Cursor> wanted) {
    for (int i = 0; i < cursors.size(); i++) {
      if (wanted.test(cursors.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no step of the search is at the wanted boundary: " + cursors);
  }

  /**
   * Runs the search to its end; before each step in {@code stops} (and after the last, if its count
   * is in {@code stops}) it writes the search to bytes, closes everything, and continues from the
   * bytes with freshly loaded data.
   */
  static Run run(SearchSpec spec, TreeSet<Integer> stops) throws IOException {
    List<SearchEvent> events = new ArrayList<>();
    List<SearchSnapshot.Cursor> cursors = new ArrayList<>();
    SearchRun search = SearchRun.start(spec, SearchData.load(spec), System.nanoTime());
    try {
      for (int i = 0; !search.finished(); i++) {
        if (stops.contains(i)) {
          byte[] bytes = SnapshotCodec.encode(search.snapshot());
          SearchSnapshot.Cursor before = search.position();
          search.close();
          search = SearchRun.resume(spec, SearchData.load(spec), SnapshotCodec.decode(bytes));
          assertThat(search.position()).isEqualTo(before);
          assertThat(search.steps()).isEqualTo(i);
          assertThat(search.events()).isEqualTo(events.size());
        }
        cursors.add(search.position());
        search.step(e -> events.add(withoutClock(e)), () -> {});
      }
      if (stops.contains(cursors.size())) {
        // A finished search resumes finished, with its result.
        byte[] bytes = SnapshotCodec.encode(search.snapshot());
        search.close();
        search = SearchRun.resume(spec, SearchData.load(spec), SnapshotCodec.decode(bytes));
        assertThat(search.finished()).isTrue();
        assertThat(search.steps()).isEqualTo(cursors.size());
        assertThat(search.events()).isEqualTo(events.size());
      }
      return new Run(events, withoutClock(search.result()), cursors);
    } finally {
      search.close();
    }
  }

  static SearchEvent withoutClock(SearchEvent e) {
    if (e instanceof SearchEvent.EpochFinished f) {
      return new SearchEvent.EpochFinished(
          f.epoch(),
          f.epochs(),
          f.meanTrainLoss(),
          f.meanReward(),
          f.bestArchitecture(),
          f.bestReward(),
          0);
    }
    if (e instanceof SearchEvent.Finished f) {
      return new SearchEvent.Finished(
          f.architecture(),
          f.testAccuracy(),
          f.parameters(),
          0,
          f.testPerplexity(),
          f.plainBaseline(),
          f.rankCheck());
    }
    return e;
  }

  static SearchResult withoutClock(SearchResult r) {
    return new SearchResult(
        r.phase(),
        r.architecture(),
        r.testAccuracy(),
        r.top(),
        0,
        r.reason(),
        r.testPerplexity(),
        r.plainBaseline(),
        r.rankCheck());
  }
}
