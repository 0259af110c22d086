package dev.enas.train;

import ai.djl.Device;
import dev.enas.controller.Controller;
import dev.enas.controller.Controllers;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.controller.UpdateResult;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.StepResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The ENAS search algorithm, once, as explicit state and a step function: each {@link #step} does
 * one unit of work (a shared-weight step, a rewarded child with the controller update it completes,
 * a derivation sample, a screening or retraining step) and reports its events. Between two steps
 * the whole search can be captured with {@link #snapshot()} and continued by {@link #resume}, in
 * this process or a fresh one: the continued search samples the same architectures, gets the same
 * losses and rewards bit for bit, derives the same child and retrains it to the same test figure as
 * an uninterrupted run on the same machine. {@link SearchLoop} drives it in one thread; a scheduler
 * can drive it a step at a time.
 *
 * <p>The events of a run are the concatenation of the events of its steps, whatever the process
 * that ran each step, except for wall-clock figures (seconds). A step that throws (a failed or
 * cancelled search) leaves the run unusable: close it.
 *
 * <p>Owns the shared weights, the data readers and any retraining network until {@link #close()};
 * not thread-safe, and all its steps must run on one thread at a time (the device thread).
 */
public final class SearchRun implements AutoCloseable {

  /** The stage of the next step, in the order a search goes through them. */
  public enum Stage {
    SHARED_TRAINING,
    CONTROLLER_TRAINING,
    DERIVING,
    SCREENING,
    RANK_CHECK,
    FINAL_TRAINING,
    BASELINE_TRAINING,
    FINISHED
  }

  private final SearchSpec spec;
  private final SearchData data;
  private final SearchSpace space;
  private final boolean text;
  private final long startNanos;
  private final double secondsBefore;
  private final Controller controller;

  /**
   * The uniform sampler of the warm-up epochs ({@code controller.warmupEpochs}). A snapshot does
   * not hold it: it is rebuilt from the seed and fast-forwarded by the draws made before.
   */
  private final Controller warmup;

  /** Where the shared weights, the reward passes and every retraining live; null: the default. */
  private final Device device;

  /** The pool {@link #device} came from, which gets it back at {@link #close()}; or null. */
  private final DevicePool devices;

  private boolean released;

  private SharedModel model;
  private SharedTraining training;
  private RewardEvaluator evaluator;

  private Stage stage;
  private long steps;
  private long events;
  private int epoch;
  private int step;
  private int update;
  private int child;
  private int index;

  private long epochStartNanos;
  private double epochSecondsBefore;
  private double lossSum;
  private int lossCount;
  private double rewardSum;
  private int rewardCount;
  private Architecture best;
  private double bestReward = Double.NEGATIVE_INFINITY;
  private final List<Reward> pending = new ArrayList<>();

  private final List<SearchEvent.Candidate> scored = new ArrayList<>();
  private final Set<Architecture> seen = new HashSet<>();
  private List<SearchEvent.Candidate> top = List.of();
  private final List<SearchEvent.Candidate> screening = new ArrayList<>();

  /** The rank check's architectures, with their standalone figures once trained. */
  private final List<SearchEvent.Candidate> rankChecked = new ArrayList<>();

  private SearchEvent.RankCheck rankCheck;

  private Retrainer retrainer;
  private Architecture derived;
  private Retraining.Result retrained;
  private SearchEvent.PlainBaseline plainBaseline;
  private SearchResult result;
  private BiConsumer<Retrainer, Retraining.Result> onRetrained = (network, figures) -> {};

  private SearchRun(
      SearchSpec spec,
      SearchData data,
      long startNanos,
      double secondsBefore,
      Controller controller,
      DevicePool devices) {
    this.spec = spec;
    this.devices = devices;
    this.device = devices == null ? null : devices.acquire();
    this.data = Objects.requireNonNull(data, "data");
    this.space = spec.space().toSearchSpace();
    this.text = data.isText();
    this.startNanos = startNanos;
    this.secondsBefore = secondsBefore;
    this.controller = controller;
    this.warmup = Controllers.warmup(space, spec.controller(), spec.seed());
    this.epochStartNanos = startNanos;
  }

  /** Whether the current epoch is a warm-up epoch: uniform children, no controller updates. */
  private boolean warming() {
    return epoch < spec.controller().warmupEpochs();
  }

  /**
   * A new search of {@code spec} on {@code data}, before its first step.
   *
   * @param startNanos the {@link System#nanoTime()} its wall time counts from
   */
  public static SearchRun start(SearchSpec spec, SearchData data, long startNanos) {
    return start(spec, data, startNanos, null);
  }

  /**
   * As {@link #start(SearchSpec, SearchData, long)}, with every network of the search (shared
   * weights, reward passes, screening, retraining) on a device {@code devices} places it on, held
   * until the run is closed; null takes the engine's default device.
   */
  public static SearchRun start(
      SearchSpec spec, SearchData data, long startNanos, DevicePool devices) {
    SearchSpec valid = spec.validate();
    SearchSpace space = valid.space().toSearchSpace();
    SearchRun run =
        new SearchRun(
            valid,
            data,
            startNanos,
            0,
            Controllers.create(space, valid.controller(), valid.seed()),
            devices);
    try {
      run.openShared(SharedTraining.Position.START, 0);
      run.stage = valid.shared().epochs() > 0 ? Stage.SHARED_TRAINING : Stage.DERIVING;
      return run;
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
  }

  /**
   * The search a {@link #snapshot()} captured, ready for its next step; {@code spec} and {@code
   * data} must be those the snapshot's search was started with (the space and seed are checked, and
   * every tensor's name and shape).
   *
   * @throws IllegalArgumentException if the snapshot does not fit the spec
   */
  public static SearchRun resume(SearchSpec spec, SearchData data, SearchSnapshot snapshot) {
    return resume(spec, data, snapshot, null);
  }

  /**
   * As {@link #resume(SearchSpec, SearchData, SearchSnapshot)}, on a device {@code devices} places
   * it on (see {@link #start(SearchSpec, SearchData, long, DevicePool)}).
   */
  public static SearchRun resume(
      SearchSpec spec, SearchData data, SearchSnapshot snapshot, DevicePool devices) {
    SearchSpec valid = spec.validate();
    if (!valid.space().kind().equals(snapshot.space()) || valid.seed() != snapshot.seed()) {
      throw new IllegalArgumentException(
          "the snapshot is of a "
              + snapshot.space()
              + " search with seed "
              + snapshot.seed()
              + ", the spec is of a "
              + valid.space().kind()
              + " search with seed "
              + valid.seed());
    }
    SearchSpace space = valid.space().toSearchSpace();
    SearchRun run =
        new SearchRun(
            valid,
            data,
            System.nanoTime(),
            snapshot.elapsedSeconds(),
            Controllers.restore(space, valid.controller(), snapshot.controller()),
            devices);
    try {
      run.restore(snapshot);
      return run;
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
  }

  private void openShared(SharedTraining.Position at, long validationBatches) {
    model = SharedModel.create(spec, data, device);
    training = new SharedTraining(data, spec, at);
    evaluator = new RewardEvaluator(data, spec, validationBatches);
  }

  private void restore(SearchSnapshot s) {
    SearchSnapshot.Cursor c = s.cursor();
    steps = s.steps();
    events = s.events();
    stage = c.stage();
    epoch = c.epoch();
    step = c.step();
    update = c.update();
    child = c.child();
    index = c.index();
    epochSecondsBefore = s.epochSeconds();
    if (s.sharedModel() != null) {
      openShared(s.training(), s.validationBatches());
      model.restore(s.sharedModel());
    } else if (stage.compareTo(Stage.DERIVING) <= 0) {
      throw new IllegalArgumentException(
          "a snapshot at " + stage + " must hold the shared weights");
    }
    SearchSnapshot.EpochFigures f = s.figures();
    lossSum = f.lossSum();
    lossCount = f.lossCount();
    rewardSum = f.rewardSum();
    rewardCount = f.rewardCount();
    best = f.bestArchitecture() == null ? null : space.parse(f.bestArchitecture());
    bestReward = f.bestReward();
    for (SearchSnapshot.Rewarded r : s.pendingRewards()) {
      pending.add(
          new Reward(
              new Sample(
                  space.parse(r.architecture()),
                  r.logProbability(),
                  r.entropy(),
                  r.skipPenalty(),
                  r.policyVersion()),
              r.reward()));
    }
    for (SearchEvent.Candidate candidate : s.scored()) {
      scored.add(candidate);
      seen.add(space.parse(candidate.architecture()));
    }
    top = s.top();
    screening.addAll(s.screening());
    rankChecked.addAll(s.rankChecked());
    derived = s.derived() == null ? null : space.parse(s.derived());
    retrained = s.retrained();
    plainBaseline = s.plainBaseline();
    if (stage.compareTo(Stage.RANK_CHECK) > 0 && spec.derive().rankCheck().on()) {
      rankCheck = RankCorrelation.of(rankChecked, spec.derive().rankCheck().steps(), text);
    }
    if (stage == Stage.FINISHED) {
      if (derived == null || retrained == null) {
        throw new IllegalArgumentException(
            "a finished search's snapshot lacks its derived child" + " or its retraining result");
      }
      result =
          SearchResult.succeeded(
              derived.encode(),
              retrained.testAccuracy(),
              retrained.testPerplexity(),
              top,
              s.elapsedSeconds(),
              plainBaseline,
              rankCheck);
    }
    checkFits(s.cursor());
    if (stage == Stage.SHARED_TRAINING || stage == Stage.CONTROLLER_TRAINING) {
      // Every warm-up step drew one child, so the sampler resumes after that many draws.
      long drawn =
          (long) Math.min(epoch, spec.controller().warmupEpochs()) * training.stepsPerEpoch()
              + (stage == Stage.SHARED_TRAINING && warming() ? step : 0);
      for (long i = 0; i < drawn; i++) {
        warmup.sample();
      }
    }
    if (s.retrainer() != null) {
      retrainer =
          switch (stage) {
            case SCREENING ->
                Retrainer.resume(
                    space.parse(top.get(index).architecture()),
                    data,
                    Screening.spec(spec),
                    s.retrainer(),
                    device);
            case RANK_CHECK ->
                Retrainer.resume(
                    space.parse(rankChecked.get(index).architecture()),
                    data,
                    Screening.spec(spec, spec.derive().rankCheck().steps()),
                    s.retrainer(),
                    device);
            case FINAL_TRAINING -> Retrainer.resume(derived, data, spec, s.retrainer(), device);
            case BASELINE_TRAINING ->
                Retrainer.resume(space.plain(), data, spec, s.retrainer(), device);
            default ->
                throw new IllegalArgumentException(
                    "a snapshot at " + stage + " cannot hold a retraining");
          };
    }
  }

  /**
   * Rejects a cursor this spec's budgets could not have produced: a snapshot of a search with
   * another spec would otherwise go on as a mixture of the two.
   */
  private void checkFits(SearchSnapshot.Cursor c) {
    boolean searching = stage == Stage.SHARED_TRAINING || stage == Stage.CONTROLLER_TRAINING;
    require(
        !searching || epoch < spec.shared().epochs(), c, "shared.epochs", spec.shared().epochs());
    if (stage == Stage.SHARED_TRAINING) {
      require(step < training.stepsPerEpoch(), c, "shared.stepsPerEpoch", training.stepsPerEpoch());
    }
    if (stage == Stage.CONTROLLER_TRAINING) {
      require(
          update < spec.controller().updatesPerEpoch(),
          c,
          "controller.updatesPerEpoch",
          spec.controller().updatesPerEpoch());
      require(
          child < spec.controller().childrenPerUpdate(),
          c,
          "controller.childrenPerUpdate",
          spec.controller().childrenPerUpdate());
      require(
          pending.size() == child,
          c,
          "controller.childrenPerUpdate",
          spec.controller().childrenPerUpdate());
    }
    if (stage == Stage.DERIVING) {
      require(
          step < spec.derive().samples() && scored.size() <= step,
          c,
          "derive.samples",
          spec.derive().samples());
    }
    if (stage == Stage.SCREENING) {
      require(
          spec.derive().screens() && index < screenCount() && screening.size() == top.size(),
          c,
          "derive.screenCandidates",
          spec.derive().screenCandidates());
    }
    if (stage == Stage.RANK_CHECK) {
      require(
          spec.derive().rankCheck().on() && index < rankChecked.size(),
          c,
          "derive.rankCheck.architectures",
          spec.derive().rankCheck().architectures());
    }
    if (stage.compareTo(Stage.RANK_CHECK) > 0) {
      require(
          spec.derive().rankCheck().on() != rankChecked.isEmpty(),
          c,
          "derive.rankCheck.architectures",
          spec.derive().rankCheck().architectures());
    }
    if (stage.compareTo(Stage.FINAL_TRAINING) >= 0) {
      require(derived != null && !top.isEmpty(), c, "derive.topK", spec.derive().topK());
      require(
          epoch <= spec.retrain().training().epochs(),
          c,
          "retrain.training.epochs",
          spec.retrain().training().epochs());
    }
    if (stage == Stage.BASELINE_TRAINING) {
      require(
          spec.retrain().plainBaseline() && retrained != null,
          c,
          "retrain.plainBaseline",
          spec.retrain().plainBaseline());
    }
  }

  private static void require(boolean holds, SearchSnapshot.Cursor c, String field, Object value) {
    if (!holds) {
      throw new IllegalArgumentException(
          "the snapshot stands at "
              + c
              + ", which "
              + field
              + " = "
              + value
              + " does not allow: it was taken of a search with another spec");
    }
  }

  /** The device the search's networks are on. */
  public Device device() {
    return model != null ? model.device() : device;
  }

  /**
   * Hands the derived child's retrained network to {@code hook} in the step that tests it, after
   * that step's last {@code FinalTrainingProgress} event and before the network is closed: the one
   * moment a server can export the network it will publish. The hook runs on the step's thread;
   * whatever it throws ends the step (and the run) with it. A snapshot never holds the hook: set it
   * again on a resumed run.
   */
  public void onRetrained(BiConsumer<Retrainer, Retraining.Result> hook) {
    this.onRetrained = Objects.requireNonNull(hook, "hook");
  }

  /** The stage of the next step; {@link Stage#FINISHED} once the search succeeded. */
  public Stage stage() {
    return stage;
  }

  /** Whether the search has succeeded; then {@link #result()} is its result. */
  public boolean finished() {
    return stage == Stage.FINISHED;
  }

  /** Where the next step stands: stage, epoch, step, controller update, child, candidate. */
  public SearchSnapshot.Cursor position() {
    return new SearchSnapshot.Cursor(stage, epoch, step, update, child, index);
  }

  /**
   * Steps taken since the search started, in every process that ran it: the step a snapshot was
   * taken before, and so a name for it.
   */
  public long steps() {
    return steps;
  }

  /**
   * Events reported since the search started, in every process that ran it. The events of a resumed
   * run continue this count, so a caller whose log already holds later events (steps redone after a
   * crash) knows which to skip.
   */
  public long events() {
    return events;
  }

  /**
   * The rank check's outcome once its last architecture has trained (the spec's {@code
   * derive.rankCheck}), else null.
   */
  public SearchEvent.RankCheck rankCheck() {
    return rankCheck;
  }

  /** The result of a finished search. */
  public SearchResult result() {
    if (result == null) {
      throw new IllegalStateException("the search has not finished, it is at " + position());
    }
    return result;
  }

  /**
   * Runs the next unit of work.
   *
   * @param events receives the unit's events in order
   * @param checkpoint runs where the search may stop (before each piece of work); it may throw to
   *     cancel
   * @throws IllegalStateException if the search has finished, or when too many steps in a row had a
   *     NaN or infinite loss
   */
  public void step(Consumer<SearchEvent> listener, Runnable checkpoint) {
    if (stage == Stage.FINISHED) {
      throw new IllegalStateException("the search has finished");
    }
    Consumer<SearchEvent> events =
        e -> {
          this.events++;
          listener.accept(e);
        };
    unit(events, checkpoint);
    steps++;
  }

  private void unit(Consumer<SearchEvent> events, Runnable checkpoint) {
    switch (stage) {
      case SHARED_TRAINING -> sharedStep(events, checkpoint);
      case CONTROLLER_TRAINING -> controllerStep(events, checkpoint);
      case DERIVING -> deriveStep(events, checkpoint);
      case SCREENING -> screenStep(events, checkpoint);
      case RANK_CHECK -> rankCheckStep(events, checkpoint);
      case FINAL_TRAINING, BASELINE_TRAINING -> retrainStep(events, checkpoint);
      case FINISHED -> throw new IllegalStateException("the search has finished");
    }
  }

  private void sharedStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    if (step == 0) {
      epochStartNanos = System.nanoTime();
      epochSecondsBefore = 0;
      events.accept(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    }
    checkpoint.run();
    Sample sample = warming() ? warmup.sample() : controller.sample();
    SharedTraining.Outcome outcome = training.step(model, sample.architecture(), epoch, step);
    StepResult r = outcome.result();
    if (r.applied()) {
      lossSum += r.loss();
      lossCount++;
      events.accept(
          SearchEvent.ChildTrained.of(
              epoch,
              outcome.step(),
              sample.architecture().encode(),
              r.loss(),
              outcome.learningRate(),
              text));
    } else {
      events.accept(
          new SearchEvent.StepSkipped(
              epoch,
              outcome.step(),
              sample.architecture().encode(),
              "loss or gradient is not finite (loss " + r.loss() + ")",
              outcome.inARow()));
      if (outcome.inARow() >= spec.shared().maxNonFiniteSteps()) {
        throw new IllegalStateException(
            outcome.inARow()
                + " shared-weight steps in a row had a NaN or infinite loss (shared."
                + "maxNonFiniteSteps is "
                + spec.shared().maxNonFiniteSteps()
                + "); lower shared.learningRateMax or shared.gradientClip");
      }
    }
    step++;
    if (step == training.stepsPerEpoch()) {
      step = 0;
      update = 0;
      child = 0;
      stage = Stage.CONTROLLER_TRAINING;
      events.accept(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
      if (spec.controller().updatesPerEpoch() == 0 || warming()) {
        endEpoch(events);
      }
    }
  }

  private void controllerStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    checkpoint.run();
    Sample sample = controller.sample();
    double reward = evaluator.reward(model, sample.architecture());
    pending.add(new Reward(sample, reward));
    rewardSum += reward;
    rewardCount++;
    if (reward > bestReward) {
      bestReward = reward;
      best = sample.architecture();
    }
    events.accept(
        new SearchEvent.ArchitectureSampled(
            epoch,
            controller.policyVersion(),
            sample.architecture().encode(),
            reward,
            sample.logProbability(),
            sample.entropy(),
            controller.baseline(),
            text ? model.metricOf(reward) : Double.NaN));
    child++;
    if (child == spec.controller().childrenPerUpdate()) {
      UpdateResult u = controller.update(List.copyOf(pending));
      pending.clear();
      events.accept(
          new SearchEvent.ControllerUpdated(
              epoch,
              u.policyVersion(),
              u.children(),
              u.meanReward(),
              u.meanEntropy(),
              u.baseline(),
              u.loss(),
              u.gradientNorm()));
      child = 0;
      update++;
      if (update == spec.controller().updatesPerEpoch()) {
        endEpoch(events);
      }
    }
  }

  private void endEpoch(Consumer<SearchEvent> events) {
    int epochs = spec.shared().epochs();
    events.accept(
        new SearchEvent.EpochFinished(
            epoch,
            epochs,
            lossCount == 0 ? Double.NaN : lossSum / lossCount,
            rewardCount == 0 ? Double.NaN : rewardSum / rewardCount,
            best == null ? "" : best.encode(),
            best == null ? Double.NaN : bestReward,
            epochSecondsBefore + (System.nanoTime() - epochStartNanos) / 1e9));
    lossSum = 0;
    lossCount = 0;
    rewardSum = 0;
    rewardCount = 0;
    update = 0;
    child = 0;
    step = 0;
    epoch++;
    stage = epoch < epochs ? Stage.SHARED_TRAINING : Stage.DERIVING;
  }

  private void deriveStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    int samples = spec.derive().samples();
    if (step == 0) {
      checkpoint.run();
      events.accept(new SearchEvent.PhaseChanged(Phase.DERIVING));
    }
    if (step < samples) {
      checkpoint.run();
      Sample s = controller.sample();
      if (seen.add(s.architecture())) {
        scored.add(
            new SearchEvent.Candidate(
                s.architecture().encode(),
                evaluator.rewardOnFixedBatch(model, s.architecture()),
                s.logProbability()));
      }
      step++;
    }
    if (step >= samples) {
      if (spec.derive().mostProbable()) {
        Sample mode = controller.mostProbable();
        SearchEvent.Candidate scoredMode =
            new SearchEvent.Candidate(
                mode.architecture().encode(),
                evaluator.rewardOnFixedBatch(model, mode.architecture()),
                mode.logProbability());
        top = Derivation.rankAfter(scoredMode, scored, spec.derive().topK());
      } else {
        top = Derivation.rank(scored, spec.derive().topK());
      }
      // Screening and retraining train standalone networks only.
      closeShared();
      step = 0;
      index = 0;
      if (spec.derive().screens()) {
        stage = Stage.SCREENING;
        screening.clear();
        screening.addAll(top);
        if (screenCount() == 0) {
          select(events, Screening.rank(screening));
        }
      } else {
        select(events, top);
      }
    }
  }

  private int screenCount() {
    return Math.min(spec.derive().screenCandidates(), top.size());
  }

  /** One screening step; as {@link Screening#screen}, a diverged candidate is ranked last. */
  private void screenStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    SearchEvent.Candidate candidate = top.get(index);
    if (retrainer == null) {
      Architecture a = space.parse(candidate.architecture());
      try {
        retrainer = Retrainer.create(a, data, Screening.spec(spec), device);
      } catch (IllegalStateException diverged) {
        screened(events, Screening.diverged(candidate, text));
        return;
      }
    }
    checkpoint.run();
    try {
      retrainer.step(0, step);
      step++;
      if (step == retrainer.stepsPerEpoch()) {
        SearchEvent.FinalTrainingProgress progress = retrainer.endEpoch(0);
        closeRetrainer();
        screened(events, Screening.withFigures(candidate, progress, text));
      }
    } catch (IllegalStateException diverged) {
      closeRetrainer();
      screened(events, Screening.diverged(candidate, text));
    }
  }

  private void screened(Consumer<SearchEvent> events, SearchEvent.Candidate candidate) {
    int count = screenCount();
    screening.set(index, candidate);
    events.accept(
        new SearchEvent.CandidateScreened(index, count, candidate, spec.derive().screenSteps()));
    index++;
    step = 0;
    if (index == count) {
      select(events, Screening.rank(screening));
    }
  }

  /** Derivation (and screening) ended with {@code ranked}: its first is the derived child. */
  private void select(Consumer<SearchEvent> events, List<SearchEvent.Candidate> ranked) {
    top = List.copyOf(ranked);
    events.accept(
        new SearchEvent.Derived(
            top,
            spec.derive().samples(),
            spec.derive().screens() ? spec.derive().screenSteps() : 0,
            spec.derive().selection()));
    derived = space.parse(top.get(0).architecture());
    events.accept(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING));
    epoch = 0;
    step = 0;
    index = 0;
    if (spec.derive().rankCheck().on()) {
      rankChecked.clear();
      rankChecked.addAll(
          RankCorrelation.choose(scored, spec.derive().rankCheck().architectures(), spec.seed()));
      stage = Stage.RANK_CHECK;
    } else {
      stage = Stage.FINAL_TRAINING;
    }
  }

  /**
   * One step of the rank check, which opens the retraining phase: the architecture at {@code index}
   * trains alone as a screening does, and a diverged one is ranked last. After the last one the
   * correlation is computed and the derived child's retraining begins.
   */
  private void rankCheckStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    SearchEvent.Candidate candidate = rankChecked.get(index);
    if (retrainer == null) {
      Architecture a = space.parse(candidate.architecture());
      try {
        retrainer =
            Retrainer.create(
                a, data, Screening.spec(spec, spec.derive().rankCheck().steps()), device);
      } catch (IllegalStateException diverged) {
        rankChecked(events, Screening.diverged(candidate, text));
        return;
      }
    }
    checkpoint.run();
    try {
      retrainer.step(0, step);
      step++;
      if (step == retrainer.stepsPerEpoch()) {
        SearchEvent.FinalTrainingProgress progress = retrainer.endEpoch(0);
        closeRetrainer();
        rankChecked(events, Screening.withFigures(candidate, progress, text));
      }
    } catch (IllegalStateException diverged) {
      closeRetrainer();
      rankChecked(events, Screening.diverged(candidate, text));
    }
  }

  private void rankChecked(Consumer<SearchEvent> events, SearchEvent.Candidate candidate) {
    int steps = spec.derive().rankCheck().steps();
    rankChecked.set(index, candidate);
    events.accept(new SearchEvent.RankCheckTrained(index, rankChecked.size(), candidate, steps));
    index++;
    step = 0;
    if (index == rankChecked.size()) {
      rankCheck = RankCorrelation.of(rankChecked, steps, text);
      index = 0;
      stage = Stage.FINAL_TRAINING;
    }
  }

  private void retrainStep(Consumer<SearchEvent> events, Runnable checkpoint) {
    boolean baseline = stage == Stage.BASELINE_TRAINING;
    if (retrainer == null) {
      retrainer = Retrainer.create(baseline ? space.plain() : derived, data, spec, device);
    }
    if (epoch < retrainer.epochs()) {
      checkpoint.run();
      retrainer.step(epoch, step);
      step++;
      if (step == retrainer.stepsPerEpoch()) {
        SearchEvent.FinalTrainingProgress progress = retrainer.endEpoch(epoch);
        events.accept(baseline ? progress.ofPlainBaseline() : progress);
        epoch++;
        step = 0;
      }
    }
    if (epoch >= retrainer.epochs()) {
      Retraining.Result r = retrainer.test();
      if (!baseline) {
        onRetrained.accept(retrainer, r);
      }
      closeRetrainer();
      epoch = 0;
      step = 0;
      if (baseline) {
        plainBaseline = SearchEvent.PlainBaseline.of(space.plain().encode(), r);
        finish(events);
      } else {
        retrained = r;
        if (spec.retrain().plainBaseline()) {
          events.accept(new SearchEvent.PhaseChanged(Phase.BASELINE_TRAINING));
          stage = Stage.BASELINE_TRAINING;
        } else {
          finish(events);
        }
      }
    }
  }

  private void finish(Consumer<SearchEvent> events) {
    double seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
    events.accept(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    events.accept(
        new SearchEvent.Finished(
            derived.encode(),
            retrained.testAccuracy(),
            retrained.parameters(),
            seconds,
            retrained.testPerplexity(),
            plainBaseline,
            rankCheck));
    result =
        SearchResult.succeeded(
            derived.encode(),
            retrained.testAccuracy(),
            retrained.testPerplexity(),
            top,
            seconds,
            plainBaseline,
            rankCheck);
    stage = Stage.FINISHED;
  }

  /**
   * The whole search as plain values, taken between two steps on the thread that runs the steps (it
   * reads the networks' native tensors); {@link #resume} continues it. Taking one changes nothing
   * in the run, and the arrays are copies: the run may go on while the snapshot is written
   * elsewhere.
   */
  public SearchSnapshot snapshot() {
    long now = System.nanoTime();
    double epochSeconds =
        stage == Stage.SHARED_TRAINING && step == 0
            ? 0
            : epochSecondsBefore + (now - epochStartNanos) / 1e9;
    List<SearchSnapshot.Rewarded> rewarded = new ArrayList<>(pending.size());
    for (Reward r : pending) {
      Sample s = r.sample();
      rewarded.add(
          new SearchSnapshot.Rewarded(
              s.architecture().encode(),
              s.logProbability(),
              s.entropy(),
              s.skipPenalty(),
              s.policyVersion(),
              r.reward()));
    }
    return new SearchSnapshot(
        spec.space().kind(),
        spec.seed(),
        position(),
        steps,
        events,
        secondsBefore + (now - startNanos) / 1e9,
        stage.compareTo(Stage.DERIVING) <= 0 ? epochSeconds : 0,
        controller.snapshot(),
        model == null ? null : model.snapshot(),
        training == null ? null : training.position(),
        evaluator == null ? 0 : evaluator.position(),
        new SearchSnapshot.EpochFigures(
            lossSum,
            lossCount,
            rewardSum,
            rewardCount,
            best == null ? null : best.encode(),
            bestReward),
        rewarded,
        scored,
        top,
        screening,
        retrainer == null ? null : retrainer.state(),
        derived == null ? null : derived.encode(),
        retrained,
        plainBaseline,
        rankChecked);
  }

  private void closeShared() {
    try {
      if (evaluator != null) {
        evaluator.close();
      }
    } finally {
      evaluator = null;
      try {
        if (training != null) {
          training.close();
        }
      } finally {
        training = null;
        if (model != null) {
          model.close();
        }
        model = null;
      }
    }
  }

  private void closeRetrainer() {
    if (retrainer != null) {
      Retrainer r = retrainer;
      retrainer = null;
      r.close();
    }
  }

  @Override
  public void close() {
    try {
      closeRetrainer();
    } finally {
      try {
        closeShared();
      } finally {
        if (devices != null && !released) {
          released = true;
          devices.release(device);
        }
      }
    }
  }
}
