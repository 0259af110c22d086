package dev.enas.server.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.enas.data.DataRoots;
import dev.enas.export.ModelMetadata;
import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import dev.enas.spec.DataSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchLoop;
import dev.enas.train.SearchResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole searches through the manager: each coordinator drives real actors through a smoke search.
 * Waiting is done by following the search's event log, never by sleeping.
 */
@Tag("slow")
class SearchManagerTest {
  /** Far above what a smoke search takes on a loaded machine: there to fail, not to hang. */
  private static final Duration SEARCH = Duration.ofMinutes(3);

  private static ActorTestKit testKit;
  private static ExecutorService blocking;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SearchManagerTest", ActorTests.config());
    blocking = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    blocking.shutdownNow();
  }

  private final List<ActorRef<SearchManager.Command>> managers = new ArrayList<>();

  /** The managers' only data root. */
  @TempDir static Path dataRoot;

  /** Stops whatever a test left running, so every test starts with no search holding memory. */
  @AfterEach
  void stopManagers() {
    managers.forEach(testKit::stop);
  }

  /** Models the managers' searches published, by name: a stand-in for the model repository. */
  private static final Map<String, Map<String, String>> published = new ConcurrentHashMap<>();

  private ActorRef<SearchManager.Command> spawnManager(int maxConcurrentSearches) {
    return spawnManager(
        maxConcurrentSearches,
        (name, model, metadata) -> {
          published.put(name, metadata);
          return 1;
        });
  }

  private ActorRef<SearchManager.Command> spawnManager(
      int maxConcurrentSearches, ModelPublisher publisher) {
    ActorRef<SearchManager.Command> manager =
        testKit.spawn(
            SearchManager.create(
                new ServerSettings(
                        maxConcurrentSearches, Duration.ofSeconds(60), Duration.ofSeconds(10))
                    .withDataRoots(DataRoots.of(List.of(dataRoot))),
                blocking,
                publisher,
                "test"));
    managers.add(manager);
    return manager;
  }

  /** Arrays held by every NDManager of the engine, to see a search release its memory. */
  private static int liveArrays() {
    try (NDManager any = NDManager.newBaseManager()) {
      return any.getParentManager().getManagedArrays().size();
    }
  }

  private static <T> SearchManager.Reply<T> ask(
      ActorRef<SearchManager.Command> manager,
      Function<ActorRef<SearchManager.Reply<T>>, SearchManager.Command> request) {
    TestProbe<SearchManager.Reply<T>> probe = testKit.createTestProbe();
    manager.tell(request.apply(probe.ref()));
    return probe.receiveMessage();
  }

  private static <T> T ok(SearchManager.Reply<T> reply) {
    assertThat(reply.error()).as("error reply").isNull();
    return reply.value();
  }

  private static SearchInfo create(ActorRef<SearchManager.Command> manager, SearchSpec spec) {
    return ok(ask(manager, r -> new SearchManager.Create(spec, "", r)));
  }

  private static SearchManager.Reply<SearchInfo> cancel(
      ActorRef<SearchManager.Command> manager, String id, String reason) {
    return ask(manager, r -> new SearchManager.Cancel(id, reason, r));
  }

  private static SearchInfo get(ActorRef<SearchManager.Command> manager, String id) {
    return ok(ask(manager, r -> new SearchManager.Get(id, r)));
  }

  /**
   * Follows a search's log until an event matches, and returns every event up to that one. The
   * subscriber only forwards to a probe, so it never blocks the log's delivery.
   */
  private static List<SearchEvent> awaitEvent(
      ActorRef<SearchManager.Command> manager, String id, Predicate<SearchEvent> until) {
    EventLog log = ok(ask(manager, r -> new SearchManager.GetEventLog(id, r)));
    TestProbe<LoggedEvent> events = testKit.createTestProbe();
    EventLog.Subscription subscription =
        log.subscribe(
            0,
            100_000,
            blocking,
            new EventLog.Subscriber() {
              @Override
              public void onEvent(LoggedEvent event) {
                events.ref().tell(event);
              }

              @Override
              public void onComplete() {}

              @Override
              public void onCut(EventLog.CutReason reason, long resumeSequence) {}
            });
    try {
      List<SearchEvent> seen = new ArrayList<>();
      events.fishForMessage(
          SEARCH,
          logged -> {
            seen.add(logged.event());
            return until.test(logged.event())
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore();
          });
      return seen;
    } finally {
      subscription.cancel();
    }
  }

  private static List<SearchEvent> awaitEnd(ActorRef<SearchManager.Command> manager, String id) {
    return awaitEvent(
        manager,
        id,
        e ->
            e instanceof SearchEvent.Finished
                || e instanceof SearchEvent.Failed
                || e instanceof SearchEvent.Cancelled);
  }

  private static List<Phase> phases(List<SearchEvent> events) {
    List<Phase> out = new ArrayList<>();
    for (SearchEvent e : events) {
      if (e instanceof SearchEvent.PhaseChanged) {
        out.add(((SearchEvent.PhaseChanged) e).phase());
      }
    }
    return out;
  }

  private static long count(List<SearchEvent> events, Class<? extends SearchEvent> type) {
    return events.stream().filter(type::isInstance).count();
  }

  @Test
  void aModelThatCannotBePublishedFailsTheSearchWithTheReason() {
    ActorRef<SearchManager.Command> manager =
        spawnManager(
            3,
            (name, model, metadata) -> {
              throw new java.io.IOException("disk full");
            });
    SearchManager.Reply<SearchInfo> created =
        ask(manager, r -> new SearchManager.Create(SearchSpec.smoke("macro", 5), "unpublished", r));
    assertThat(ok(created).phase()).isEqualTo(Phase.PENDING);
    List<SearchEvent> events = awaitEnd(manager, "unpublished");

    assertThat(events.get(events.size() - 1))
        .isEqualTo(new SearchEvent.Failed("publishing the model failed: disk full"));
    assertThat(phases(events)).endsWith(Phase.FINAL_TRAINING, Phase.EXPORTING, Phase.FAILED);
    SearchInfo failed = get(manager, "unpublished");
    assertThat(failed.model()).isNull();
    assertThat(failed.result()).isNull();
  }

  @Test
  void screeningAndThePlainBaselineRunThroughTheActorsAsInTheEngine() {
    ActorRef<SearchManager.Command> manager = spawnManager(3);
    SearchSpec smoke = SearchSpec.smoke("macro", 8);
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

    SearchInfo created = ok(ask(manager, r -> new SearchManager.Create(spec, "screened", r)));
    assertThat(created.phase()).isEqualTo(Phase.PENDING);
    List<SearchEvent> events = awaitEnd(manager, "screened");
    List<SearchEvent> engine = new ArrayList<>();
    new SearchLoop(spec, engine::add, () -> false).run();

    assertThat(phases(events))
        .endsWith(
            Phase.DERIVING,
            Phase.FINAL_TRAINING,
            Phase.EXPORTING,
            Phase.BASELINE_TRAINING,
            Phase.SUCCEEDED);
    // The same steps in the same order give the same screening, choice and baseline.
    assertThat(only(events, SearchEvent.CandidateScreened.class))
        .hasSize(2)
        .isEqualTo(only(engine, SearchEvent.CandidateScreened.class));
    assertThat(only(events, SearchEvent.Derived.class))
        .isEqualTo(only(engine, SearchEvent.Derived.class));
    assertThat(only(events, SearchEvent.FinalTrainingProgress.class))
        .isEqualTo(only(engine, SearchEvent.FinalTrainingProgress.class));
    SearchEvent.Finished finished = (SearchEvent.Finished) events.get(events.size() - 1);
    SearchEvent.Finished inProcess = only(engine, SearchEvent.Finished.class).get(0);
    assertThat(finished.architecture()).isEqualTo(inProcess.architecture());
    assertThat(finished.testAccuracy()).isEqualTo(inProcess.testAccuracy());
    assertThat(finished.plainBaseline()).isEqualTo(inProcess.plainBaseline());
    assertThat(finished.plainBaseline().architecture())
        .isEqualTo(spec.space().toSearchSpace().plain().encode());
    SearchInfo done = get(manager, "screened");
    assertThat(done.result().plainBaseline()).isEqualTo(finished.plainBaseline());
    assertThat(done.model()).isEqualTo(new SearchInfo.Model("screened", 1));
  }

  private static <T extends SearchEvent> List<T> only(List<SearchEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aSmokeSearchSucceedsAndItsRecordAnswersEveryRead() {
    ActorRef<SearchManager.Command> manager = spawnManager(3);
    SearchSpec spec = SearchSpec.smoke("macro", 21);

    SearchInfo created = ok(ask(manager, r -> new SearchManager.Create(spec, "smoke-1", r)));
    List<SearchEvent> events = awaitEnd(manager, "smoke-1");
    SearchInfo done = get(manager, "smoke-1");

    assertThat(created.id()).isEqualTo("smoke-1");
    assertThat(created.phase()).isEqualTo(Phase.PENDING);
    assertThat(phases(events))
        .containsExactly(
            Phase.SHARED_TRAINING,
            Phase.CONTROLLER_TRAINING,
            Phase.SHARED_TRAINING,
            Phase.CONTROLLER_TRAINING,
            Phase.DERIVING,
            Phase.FINAL_TRAINING,
            Phase.EXPORTING,
            Phase.SUCCEEDED);
    assertThat(count(events, SearchEvent.ChildTrained.class)).isEqualTo(2 * 4);
    assertThat(count(events, SearchEvent.ControllerUpdated.class)).isEqualTo(2 * 2);
    SearchEvent.Finished finished = (SearchEvent.Finished) events.get(events.size() - 1);

    assertThat(done.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(done.progress()).isEqualTo(new SearchInfo.Progress(2, 2, 8, 4, 12, 1, 1));
    assertThat(done.result())
        .isEqualTo(
            new SearchInfo.Result(
                finished.architecture(), finished.testAccuracy(), finished.parameters()));
    // The actors take the engine's steps: the engine's search of the same spec ends alike.
    SearchResult engine = new SearchLoop(spec, e -> {}, () -> false).run();
    assertThat(finished.architecture()).isEqualTo(engine.architecture());
    // The same retraining: the same test accuracy, up to the float rounding of PyTorch's
    // intra-op threads, which moved a few of the 1,000 test images across a near-tie in a full
    // run on a busy machine (0.076 against 0.084); a retraining that went another way differs more.
    assertThat(finished.testAccuracy()).isCloseTo(engine.testAccuracy(), within(0.03));
    assertThat(finished.parameters()).isPositive();
    assertThat(finished.seconds()).isPositive();
    assertThat(done.best()).isNotNull();
    assertThat(done.failureReason()).isEmpty();
    assertThat(done.model()).isEqualTo(new SearchInfo.Model("smoke-1", 1));
    assertThat(published.get("smoke-1"))
        .containsEntry(ModelMetadata.SEARCH_ID, "smoke-1")
        .containsEntry(ModelMetadata.SEED, "21")
        .containsEntry(ModelMetadata.TEST_ACCURACY, Double.toString(finished.testAccuracy()));
    assertThat(done.eventCount()).isEqualTo(events.size());
    assertThat(done.startTime()).isNotNull();
    assertThat(done.endTime()).isAfterOrEqualTo(done.startTime());

    List<Long> indices = new ArrayList<>();
    long cursor = 0;
    do {
      long from = cursor;
      Page<HistoryEntry> page =
          ok(
              ask(
                  manager,
                  r ->
                      new SearchManager.ListArchitectures(
                          "smoke-1", 5, from, ArchitectureOrder.SAMPLED, r)));
      page.items().forEach(e -> indices.add(e.index()));
      cursor = page.nextCursor();
    } while (cursor != 0 && indices.size() <= 12);
    assertThat(indices).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    Page<HistoryEntry> best =
        ok(
            ask(
                manager,
                r ->
                    new SearchManager.ListArchitectures(
                        "smoke-1", 1, 0, ArchitectureOrder.REWARD, r)));
    assertThat(best.items().get(0).reward()).isEqualTo(done.best().reward());
    HistoryEntry first = ok(ask(manager, r -> new SearchManager.GetArchitecture("smoke-1", 0, r)));
    assertThat(first.index()).isZero();

    SearchManager.Reply<HistoryEntry> pastTheEnd =
        ask(manager, r -> new SearchManager.GetArchitecture("smoke-1", 12, r));
    assertThat(pastTheEnd.error())
        .isInstanceOf(SearchBackendException.NotFound.class)
        .hasMessageContaining("no architecture at index 12")
        .hasMessageContaining("holds 12");
    SearchManager.Reply<SearchInfo> cancel = cancel(manager, "smoke-1", "too late");
    assertThat(cancel.error())
        .isInstanceOf(SearchBackendException.FailedPrecondition.class)
        .hasMessageContaining("already ended as succeeded");
    assertThat(get(manager, "smoke-1").phase()).isEqualTo(Phase.SUCCEEDED);
    SearchManager.Reply<SearchInfo> again =
        ask(manager, r -> new SearchManager.Create(spec, "smoke-1", r));
    assertThat(again.error()).isInstanceOf(SearchBackendException.AlreadyExists.class);
  }

  @Test
  void cancellingMidwayEndsCancelledWithTheReasonAndFreesTheSlot() {
    ActorRef<SearchManager.Command> manager = spawnManager(1);
    SearchInfo running = create(manager, SearchSpec.smoke("macro", 22));

    SearchManager.Reply<SearchInfo> refused =
        ask(manager, r -> new SearchManager.Create(SearchSpec.smoke("macro", 23), "", r));
    assertThat(refused.error())
        .isInstanceOf(SearchBackendException.ResourceExhausted.class)
        .hasMessageContaining("at most 1")
        .hasMessageContaining("enas.max-concurrent-searches");

    awaitEvent(manager, running.id(), e -> e instanceof SearchEvent.ChildTrained);
    SearchInfo asked = ok(cancel(manager, running.id(), "make room"));
    List<SearchEvent> events = awaitEnd(manager, running.id());
    SearchInfo cancelled = get(manager, running.id());

    assertThat(asked.phase().isTerminal()).isFalse();
    assertThat(events.get(events.size() - 1)).isEqualTo(new SearchEvent.Cancelled("make room"));
    assertThat(phases(events)).last().isEqualTo(Phase.CANCELLED);
    assertThat(phases(events)).doesNotContain(Phase.FINAL_TRAINING);
    assertThat(cancelled.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(cancelled.failureReason()).isEqualTo("make room");
    assertThat(cancelled.result()).isNull();
    assertThat(cancelled.endTime()).isNotNull();
    // Cancelling again is harmless, and the ended search no longer holds the only slot.
    ok(cancel(manager, running.id(), "again"));
    SearchInfo next = create(manager, SearchSpec.smoke("macro", 23));
    ok(cancel(manager, next.id(), " "));
    List<SearchEvent> nextEvents = awaitEnd(manager, next.id());
    assertThat(nextEvents.get(nextEvents.size() - 1))
        .isEqualTo(new SearchEvent.Cancelled("cancelled on request"));
  }

  @Test
  void unknownIdsAreNotFound() {
    ActorRef<SearchManager.Command> manager = spawnManager(1);
    List<SearchManager.Reply<?>> replies =
        List.of(
            SearchManagerTest.<SearchInfo>ask(manager, r -> new SearchManager.Get("nope", r)),
            SearchManagerTest.cancel(manager, "nope", ""),
            SearchManagerTest.<EventLog>ask(manager, r -> new SearchManager.GetEventLog("nope", r)),
            SearchManagerTest.<HistoryEntry>ask(
                manager, r -> new SearchManager.GetArchitecture("nope", 0, r)),
            SearchManagerTest.<Page<HistoryEntry>>ask(
                manager,
                r ->
                    new SearchManager.ListArchitectures(
                        "nope", 10, 0, ArchitectureOrder.SAMPLED, r)));

    for (SearchManager.Reply<?> reply : replies) {
      assertThat(reply.value()).isNull();
      assertThat(reply.error())
          .isInstanceOfSatisfying(
              SearchBackendException.NotFound.class,
              e -> {
                assertThat(e.resourceType()).isEqualTo("enas.v1.Search");
                assertThat(e.resourceName()).isEqualTo("nope");
                assertThat(e.getMessage()).contains("'nope'");
              });
    }
    Page<SearchInfo> none =
        ok(ask(manager, r -> new SearchManager.ListSearches(10, 0, Set.of(), r)));
    assertThat(none.items()).isEmpty();
    assertThat(none.nextCursor()).isZero();
  }

  @Test
  void aServerPathThatReachesTheManagerIsStillNotRead() {
    // The API refuses such a spec; a journaled one written before the roots existed must not be
    // read either when it is recovered.
    ActorRef<SearchManager.Command> manager = spawnManager(1);
    SearchSpec smoke = SearchSpec.smoke("macro", 24);
    SearchSpec outside =
        new SearchSpec(
            smoke.space(),
            new DataSpec("idx:/etc", 0.2, 400),
            smoke.child(),
            smoke.shared(),
            smoke.controller(),
            smoke.derive(),
            smoke.retrain(),
            smoke.seed());

    SearchInfo broken = create(manager, outside);
    awaitEnd(manager, broken.id());
    SearchInfo failed = get(manager, broken.id());

    assertThat(failed.phase()).isEqualTo(Phase.FAILED);
    assertThat(failed.failureReason())
        .startsWith("loading idx:/etc failed: ")
        .contains("not an absolute path");
  }

  @Test
  void aMissingDatasetFileFailsTheSearchNamingTheFileAndTheManagerGoesOn() throws IOException {
    ActorRef<SearchManager.Command> manager = spawnManager(2);
    SearchSpec smoke = SearchSpec.smoke("macro", 24);
    Files.createDirectories(dataRoot.resolve("empty"));
    SearchSpec missing =
        new SearchSpec(
            smoke.space(),
            new DataSpec("idx:empty", 0.2, 400),
            smoke.child(),
            smoke.shared(),
            smoke.controller(),
            smoke.derive(),
            smoke.retrain(),
            smoke.seed());

    SearchInfo broken = create(manager, missing);
    List<SearchEvent> events = awaitEnd(manager, broken.id());
    SearchInfo failed = get(manager, broken.id());

    assertThat(events)
        .containsExactly(
            new SearchEvent.PhaseChanged(Phase.FAILED),
            new SearchEvent.Failed(failed.failureReason()));
    assertThat(failed.phase()).isEqualTo(Phase.FAILED);
    // The file by its name inside the root; nothing of the server's own folders.
    assertThat(failed.failureReason())
        .startsWith("loading idx:empty failed: ")
        .contains("empty/train-images-idx3-ubyte")
        .doesNotContain("Exception")
        .doesNotContain(dataRoot.toString());
    assertThat(failed.endTime()).isNotNull();

    // The manager still creates, lists and cancels searches.
    SearchInfo second = create(manager, smoke);
    SearchInfo third = create(manager, smoke);
    Page<SearchInfo> first =
        ok(ask(manager, r -> new SearchManager.ListSearches(2, 0, Set.of(), r)));
    Page<SearchInfo> rest =
        ok(ask(manager, r -> new SearchManager.ListSearches(2, first.nextCursor(), Set.of(), r)));
    Page<SearchInfo> onlyFailed =
        ok(ask(manager, r -> new SearchManager.ListSearches(10, 0, Set.of(Phase.FAILED), r)));
    assertThat(first.items()).extracting(SearchInfo::id).containsExactly(broken.id(), second.id());
    assertThat(first.nextCursor()).isNotZero();
    assertThat(rest.items()).extracting(SearchInfo::id).containsExactly(third.id());
    assertThat(rest.nextCursor()).isZero();
    assertThat(onlyFailed.items()).extracting(SearchInfo::id).containsExactly(broken.id());
    SearchManager.Reply<SearchInfo> cancelFailed = cancel(manager, broken.id(), "");
    assertThat(cancelFailed.error())
        .isInstanceOf(SearchBackendException.FailedPrecondition.class)
        .hasMessageContaining("already ended as failed");
    for (SearchInfo s : List.of(second, third)) {
      ok(cancel(manager, s.id(), "done with it"));
      assertThat(awaitEnd(manager, s.id()))
          .last()
          .isEqualTo(new SearchEvent.Cancelled("done with it"));
    }
  }

  @Test
  void cancellingDuringFinalTrainingStopsTheRetrainingAtOnce() {
    SearchSpec smoke = SearchSpec.smoke("macro", 25);
    TrainingSpec t = smoke.retrain().training();
    // Far more retraining steps than the test lets run: only cancellation can end it quickly.
    TrainingSpec endless =
        new TrainingSpec(
            1,
            100_000,
            t.learningRateMax(),
            t.learningRateMin(),
            t.restartPeriod(),
            t.restartMultiplier(),
            t.momentum(),
            t.weightDecay(),
            t.gradientClip(),
            t.maxNonFiniteSteps());
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            smoke.child(),
            smoke.shared(),
            smoke.controller(),
            smoke.derive(),
            new RetrainSpec(smoke.retrain().network(), endless, smoke.retrain().cutout()),
            smoke.seed());
    int before = liveArrays();
    ActorRef<SearchManager.Command> manager = spawnManager(1);
    SearchInfo search = create(manager, spec);

    awaitEvent(
        manager, search.id(), e -> e.equals(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING)));
    ok(cancel(manager, search.id(), "enough"));
    List<SearchEvent> events = awaitEnd(manager, search.id());

    assertThat(events).last().isEqualTo(new SearchEvent.Cancelled("enough"));
    assertThat(events).noneMatch(e -> e instanceof SearchEvent.Finished);
    assertThat(get(manager, search.id()).phase()).isEqualTo(Phase.CANCELLED);
    testKit.stop(manager);
    assertThat(liveArrays()).as("the search's native memory").isEqualTo(before);
  }

  @Test
  void stoppingTheManagerEndsRunningSearchesAsFailedAndReleasesTheirMemory() {
    int before = liveArrays();
    ActorRef<SearchManager.Command> manager = spawnManager(1);
    SearchInfo search = create(manager, SearchSpec.smoke("macro", 26));
    EventLog log = ok(ask(manager, r -> new SearchManager.GetEventLog(search.id(), r)));
    awaitEvent(manager, search.id(), e -> e instanceof SearchEvent.ChildTrained);

    testKit.stop(manager);

    LoggedEvent last = log.get(log.size() - 1);
    assertThat(log.isClosed()).isTrue();
    assertThat(last.event())
        .isEqualTo(new SearchEvent.Failed("the server stopped before the search ended"));
    assertThat(liveArrays()).as("the search's native memory").isEqualTo(before);
  }
}
