package dev.enas.server.actor;

import dev.enas.controller.Controllers;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.controller.UpdateResult;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Derivation;
import dev.enas.train.Phase;
import dev.enas.train.Retraining;
import dev.enas.train.Screening;
import dev.enas.train.RewardEvaluator;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SharedModel;
import dev.enas.train.SharedTraining;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The phase machine of one search: loads its data, spawns its {@link ControllerActor},
 * {@link WeightStore}, {@link ChildTrainer} and {@link Evaluator}, and drives them through the
 * paper's epochs (shared training, then controller training), derivation, final training and
 * the export of the retrained child, publishing every step as an event. A search succeeds only once
 * its verified model is in the model repository, so a succeeded search always has a model to serve. It takes the same steps in the same order as the engine's
 * {@code SearchLoop}, so a seed gives the same architectures either way.
 *
 * <p>Cancellation takes effect at the next step boundary; stopping the children releases the
 * search's native memory. After a terminal phase the coordinator stays up with no children until
 * the manager stops it; the search is read from its record, not from the coordinator.
 *
 * <p>A search recovered from the journal runs again from its start with the same spec and seed;
 * its record compares what it emits with the journaled events (see {@link SearchRecord}). Only
 * where that start is taken from would change once searches resume from snapshots. A failure or a
 * cancellation is not compared: it ends the search after the journaled events.
 */
public final class SearchCoordinator extends AbstractBehavior<SearchCoordinator.Command> {

  /** What a coordinator accepts. */
  public sealed interface Command {}

  /** Stop at the next step boundary. */
  public record Cancel(String reason) implements Command {}

  /**
   * Running the search again after a restart gave an event other than the journaled one; the
   * record has already failed the search with the reason, and this stops its work.
   */
  record Diverged(String reason) implements Command {}

  private record DataLoaded(SearchData data, Throwable failure) implements Command {}

  private record Sampled(Sample sample) implements Command {}

  private record Trained(ChildTrainer.ChildTrained trained, Throwable failure) implements Command {}

  private record Rewarded(Evaluator.Rewarded rewarded, Throwable failure) implements Command {}

  private record Updated(ControllerActor.UpdateReply reply, Throwable failure) implements Command {}

  private record FinalReport(FinalTrainer.Report report) implements Command {}

  private record BaselineReport(FinalTrainer.Report report) implements Command {}

  private record ScreenReport(FinalTrainer.Report report) implements Command {}

  private record Published(FinalTrainer.Done done, Long version, Throwable failure)
      implements Command {}

  private record SampleFailed(Throwable failure) implements Command {}

  /** A child actor stopped on its own (a crash); the search cannot go on without it. */
  private record ChildStopped(String role) implements Command {}

  private final ActorContext<Command> context;
  private final SearchRecord record;
  private final SearchSpec spec;
  private final ServerSettings settings;
  private final Executor blocking;
  private final ModelPublisher publisher;
  private final String buildVersion;
  private final long startNanos = System.nanoTime();

  private SearchData data;
  private SearchSpace space;
  private ActorRef<ControllerActor.Command> controller;
  private ActorRef<WeightStore.Command> store;
  private ActorRef<ChildTrainer.Command> trainer;
  private ActorRef<Evaluator.Command> evaluator;
  private int stepsPerEpoch;

  private String cancelReason;
  private int epoch;
  private int step;
  private int update;
  private final List<Reward> batch = new ArrayList<>();
  private double lossSum;
  private int lossCount;
  private double rewardSum;
  private int rewardCount;
  private long epochStart;
  private Architecture best;
  private double bestReward = Double.NEGATIVE_INFINITY;
  private int derived;
  private final Set<Architecture> seen = new HashSet<>();
  private final List<SearchEvent.Candidate> candidates = new ArrayList<>();
  /** derive.selection most-probable: whether the policy's mode was asked for, and its score. */
  private boolean modeAsked;
  private SearchEvent.Candidate mode;
  private Architecture finalChild;
  private ActorRef<FinalTrainer.Command> finalTrainer;
  private ActorRef<FinalTrainer.Command> baselineTrainer;
  /** Derivation's ranked candidates, screened in place one after another. */
  private List<SearchEvent.Candidate> ranked;
  private int screening;
  private ActorRef<FinalTrainer.Command> screener;
  /** The derived child's retraining result, kept while the plain baseline trains. */
  private FinalTrainer.Done finalDone;
  /** The sample whose reward is being computed. */
  private Sample pending;
  /** Encoding of the child in the shared-weight step under way. */
  private String lastTrained = "";
  /** The controller's baseline as of its last update, reported with each reward. */
  private double currentBaseline = Double.NaN;

  private enum Stage {
    LOADING, SHARED, CONTROLLER, DERIVING, SCREENING, FINAL, EXPORTING, PUBLISHING, BASELINE, DONE
  }

  private Stage stage = Stage.LOADING;

  /**
   * @param blocking runs the search's blocking work: loading data, publishing the model
   * @param publisher takes the search's model when it is verified
   * @param buildVersion the server build, written into the model's provenance
   */
  static Behavior<Command> create(SearchRecord record, ServerSettings settings, Executor blocking,
      ModelPublisher publisher, String buildVersion) {
    return Behaviors.setup(context ->
        new SearchCoordinator(context, record, settings, blocking, publisher, buildVersion));
  }

  private SearchCoordinator(ActorContext<Command> context, SearchRecord record,
      ServerSettings settings, Executor blocking, ModelPublisher publisher, String buildVersion) {
    super(context);
    this.context = context;
    this.record = record;
    this.spec = record.info().spec();
    this.settings = settings;
    this.blocking = blocking;
    this.publisher = publisher;
    this.buildVersion = buildVersion;
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> {
          try {
            return SearchData.load(spec, settings.dataRoots());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, blocking),
        DataLoaded::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(DataLoaded.class, this::onDataLoaded)
        .onMessage(Sampled.class, this::onSampled)
        .onMessage(Trained.class, this::onTrained)
        .onMessage(Rewarded.class, this::onRewarded)
        .onMessage(Updated.class, this::onUpdated)
        .onMessage(FinalReport.class, this::onFinalReport)
        .onMessage(BaselineReport.class, this::onBaselineReport)
        .onMessage(ScreenReport.class, this::onScreenReport)
        .onMessage(Published.class, this::onPublished)
        .onMessage(SampleFailed.class, m -> fail("sampling failed: " + m.failure()))
        .onMessage(ChildStopped.class, m -> fail("the search's " + m.role()
            + " stopped unexpectedly (see the server log)"))
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Diverged.class, m -> fail(m.reason()))
        .onSignal(PostStop.class, signal -> {
          // A journaled search is not over when its server stops: the next start runs it again.
          if (!record.isJournaled() && !record.info().phase().isTerminal()) {
            record.emit(new SearchEvent.PhaseChanged(Phase.FAILED));
            record.emit(new SearchEvent.Failed("the server stopped before the search ended"));
          }
          return this;
        })
        .build();
  }

  private Behavior<Command> onDataLoaded(DataLoaded m) {
    if (stage == Stage.DONE) {
      return this;
    }
    if (m.failure() != null) {
      // The reason is for people: peel off the future's wrapper and our own unchecked one, so it
      // reads as the engine's does ("...: no train-images-idx3-ubyte ... in DIR"), not as a class.
      Throwable cause = m.failure();
      while ((cause instanceof java.util.concurrent.CompletionException
          || cause instanceof java.io.UncheckedIOException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
      return fail("loading " + spec.data().dataset() + " failed: " + message);
    }
    data = m.data();
    if (cancelReason != null) {
      return cancelled();
    }
    try {
      space = spec.space().toSearchSpace();
      SearchData loaded = data;
      controller = context.spawn(
          ControllerActor.create(Controllers.create(space, spec.controller(), spec.seed()),
              Controllers.warmup(space, spec.controller(), spec.seed())),
          "controller");
      store = context.spawn(WeightStore.create(() -> SharedModel.create(spec, loaded)), "weights",
          DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
      SharedTraining training = new SharedTraining(data, spec);
      stepsPerEpoch = training.stepsPerEpoch();
      trainer = context.spawn(ChildTrainer.create(training, store, settings.stepTimeout()),
          "trainer", DispatcherSelector.fromConfig(ServerSettings.BLOCKING_DISPATCHER));
      evaluator = context.spawn(
          Evaluator.create(new RewardEvaluator(data, spec), store, settings.stepTimeout()),
          "evaluator", DispatcherSelector.fromConfig(ServerSettings.BLOCKING_DISPATCHER));
      context.watchWith(store, new ChildStopped("weight store"));
      context.watchWith(trainer, new ChildStopped("child trainer"));
      context.watchWith(evaluator, new ChildStopped("evaluator"));
      context.watchWith(controller, new ChildStopped("controller"));
    } catch (RuntimeException e) {
      return fail("starting the search failed: " + e.getMessage());
    }
    startEpoch(0);
    return this;
  }

  // ----- shared training and controller training ---------------------------------------------

  private void startEpoch(int e) {
    epoch = e;
    step = 0;
    update = 0;
    lossSum = 0;
    lossCount = 0;
    rewardSum = 0;
    rewardCount = 0;
    epochStart = System.nanoTime();
    stage = Stage.SHARED;
    record.emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    next();
  }

  /** Takes the next step of the current stage, or moves on to the next stage. */
  private Behavior<Command> next() {
    if (cancelReason != null) {
      return cancelled();
    }
    switch (stage) {
      case SHARED -> {
        if (step < stepsPerEpoch) {
          sample();
          return this;
        }
        stage = Stage.CONTROLLER;
        record.emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
        return next();
      }
      case CONTROLLER -> {
        // Warm-up epochs train children drawn uniformly and leave the controller untouched.
        boolean warming = epoch < spec.controller().warmupEpochs();
        if (!warming && update < spec.controller().updatesPerEpoch()) {
          sample();
          return this;
        }
        record.emit(new SearchEvent.EpochFinished(epoch, spec.shared().epochs(),
            lossCount == 0 ? Double.NaN : lossSum / lossCount,
            rewardCount == 0 ? Double.NaN : rewardSum / rewardCount,
            best == null ? "" : best.encode(), best == null ? Double.NaN : bestReward,
            (System.nanoTime() - epochStart) / 1e9));
        if (epoch + 1 < spec.shared().epochs()) {
          startEpoch(epoch + 1);
          return this;
        }
        stage = Stage.DERIVING;
        record.emit(new SearchEvent.PhaseChanged(Phase.DERIVING));
        return next();
      }
      case DERIVING -> {
        if (derived < spec.derive().samples()) {
          sample();
          return this;
        }
        if (spec.derive().mostProbable() && mode == null) {
          if (!modeAsked) {
            modeAsked = true;
            context.ask(ControllerActor.Sampled.class, controller, settings.stepTimeout(),
                ControllerActor.SampleMostProbable::new,
                (sampled, failure) -> failure != null
                    ? new SampleFailed(failure)
                    : new Sampled(sampled.sample()));
          }
          return this;
        }
        return endDerivation();
      }
      default -> {
        return this;
      }
    }
  }

  private void sample() {
    boolean uniform = stage == Stage.SHARED && epoch < spec.controller().warmupEpochs();
    context.ask(ControllerActor.Sampled.class, controller, settings.stepTimeout(),
        uniform ? ControllerActor.SampleUniform::new : ControllerActor.SampleChild::new,
        (sampled, failure) -> failure != null
            ? new SampleFailed(failure)
            : new Sampled(sampled.sample()));
  }

  private Behavior<Command> onSampled(Sampled m) {
    if (stage == Stage.DONE) {
      return this;
    }
    Architecture child = m.sample().architecture();
    switch (stage) {
      case SHARED -> {
        lastTrained = child.encode();
        context.ask(ChildTrainer.ChildTrained.class, trainer, settings.stepTimeout(),
            replyTo -> new ChildTrainer.TrainChild(child, epoch, step, replyTo), Trained::new);
      }
      case CONTROLLER -> {
        pending = m.sample();
        context.ask(Evaluator.Rewarded.class, evaluator, settings.stepTimeout(),
            replyTo -> new Evaluator.Reward(child, replyTo), Rewarded::new);
      }
      case DERIVING -> {
        if (modeAsked) {
          pending = m.sample();
          context.ask(Evaluator.Rewarded.class, evaluator, settings.stepTimeout(),
              replyTo -> new Evaluator.RewardOnFixedBatch(child, replyTo), Rewarded::new);
          return this;
        }
        derived++;
        if (!seen.add(child)) {
          return next();
        }
        pending = m.sample();
        context.ask(Evaluator.Rewarded.class, evaluator, settings.stepTimeout(),
            replyTo -> new Evaluator.RewardOnFixedBatch(child, replyTo), Rewarded::new);
      }
      default -> {
        return this;
      }
    }
    return this;
  }

  private Behavior<Command> onTrained(Trained m) {
    if (stage != Stage.SHARED) {
      return this;
    }
    if (m.failure() != null || m.trained().failed()) {
      return fail(m.failure() != null ? "shared-weight step failed: " + m.failure()
          : m.trained().error());
    }
    SharedTraining.Outcome outcome = m.trained().outcome();
    String child = lastTrained;
    if (outcome.result().applied()) {
      lossSum += outcome.result().loss();
      lossCount++;
    }
    if (outcome.result().applied()) {
      record.emit(SearchEvent.ChildTrained.of(epoch, outcome.step(), child,
          outcome.result().loss(), outcome.learningRate(), data.isText()));
    } else {
      record.emit(new SearchEvent.StepSkipped(epoch, outcome.step(), child,
          "loss or gradient is not finite (loss " + outcome.result().loss() + ")",
          outcome.inARow()));
      if (outcome.inARow() >= spec.shared().maxNonFiniteSteps()) {
        return fail(outcome.inARow()
            + " shared-weight steps in a row had a NaN or infinite loss (shared."
            + "maxNonFiniteSteps is " + spec.shared().maxNonFiniteSteps()
            + "); lower shared.learningRateMax or shared.gradientClip");
      }
    }
    step++;
    return next();
  }

  private Behavior<Command> onRewarded(Rewarded m) {
    if (stage != Stage.CONTROLLER && stage != Stage.DERIVING) {
      return this;
    }
    if (m.failure() != null || m.rewarded().failed()) {
      return fail(m.failure() != null ? "reward failed: " + m.failure() : m.rewarded().error());
    }
    Sample sample = pending;
    double reward = m.rewarded().reward();
    if (stage == Stage.DERIVING) {
      SearchEvent.Candidate candidate = new SearchEvent.Candidate(
          sample.architecture().encode(), reward, sample.logProbability());
      if (modeAsked) {
        mode = candidate;
      } else {
        candidates.add(candidate);
      }
      return next();
    }
    batch.add(new Reward(sample, reward));
    rewardSum += reward;
    rewardCount++;
    if (reward > bestReward) {
      bestReward = reward;
      best = sample.architecture();
    }
    record.emit(new SearchEvent.ArchitectureSampled(epoch, sample.policyVersion(),
        sample.architecture().encode(), reward, sample.logProbability(), sample.entropy(),
        currentBaseline, data.isText() ? SharedModel.perplexityOf(reward) : Double.NaN));
    if (batch.size() < spec.controller().childrenPerUpdate()) {
      return next();
    }
    List<Reward> rewards = List.copyOf(batch);
    batch.clear();
    context.ask(ControllerActor.UpdateReply.class, controller, settings.stepTimeout(),
        replyTo -> new ControllerActor.Update(rewards, replyTo), Updated::new);
    return this;
  }

  private Behavior<Command> onUpdated(Updated m) {
    if (stage != Stage.CONTROLLER) {
      return this;
    }
    if (m.failure() != null) {
      return fail("controller update failed: " + m.failure());
    }
    if (m.reply() instanceof ControllerActor.UpdateRejected r) {
      return fail("controller update refused: " + r.reason());
    }
    UpdateResult u = ((ControllerActor.Updated) m.reply()).result();
    currentBaseline = u.baseline();
    record.emit(new SearchEvent.ControllerUpdated(epoch, u.policyVersion(), u.children(),
        u.meanReward(), u.meanEntropy(), u.baseline(), u.loss(), u.gradientNorm()));
    update++;
    return next();
  }

  // ----- derivation and final training -----------------------------------------------------------

  /** Ranks the scored candidates; screens the best of them when the spec asks, else trains. */
  private Behavior<Command> endDerivation() {
    ranked = new ArrayList<>(mode != null
        ? Derivation.rankAfter(mode, candidates, spec.derive().topK())
        : Derivation.rank(candidates, spec.derive().topK()));
    // The shared weights are not needed any more: screening trains standalone networks only.
    stopSearchChildren();
    if (!spec.derive().screens()) {
      return startFinalTraining();
    }
    stage = Stage.SCREENING;
    screening = 0;
    return screenNext();
  }

  private Behavior<Command> screenNext() {
    if (cancelReason != null) {
      return cancelled();
    }
    int count = Math.min(spec.derive().screenCandidates(), ranked.size());
    if (screening >= count) {
      ranked = new ArrayList<>(Screening.rank(ranked));
      return startFinalTraining();
    }
    ActorRef<FinalTrainer.Report> reports =
        context.messageAdapter(FinalTrainer.Report.class, ScreenReport::new);
    screener = context.spawn(
        FinalTrainer.screen(space.parse(ranked.get(screening).architecture()), data, spec,
            reports),
        "screen-" + screening, DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
    context.watchWith(screener, new ChildStopped("candidate screener"));
    return this;
  }

  private Behavior<Command> onScreenReport(ScreenReport m) {
    if (stage != Stage.SCREENING) {
      return this;
    }
    // The screener stops by itself after its report; that stop is not a crash.
    context.unwatch(screener);
    SearchEvent.Candidate candidate = ranked.get(screening);
    SearchEvent.Candidate screened;
    if (m.report() instanceof FinalTrainer.EpochDone e) {
      screened = Screening.withFigures(candidate, e.progress(), data.isText());
    } else if (m.report() instanceof FinalTrainer.RetrainingFailed) {
      // A candidate whose short training diverged ranks last, as in the engine's screening.
      screened = Screening.diverged(candidate, data.isText());
    } else {
      return fail("unexpected report from a candidate screener: " + m.report());
    }
    ranked.set(screening, screened);
    int count = Math.min(spec.derive().screenCandidates(), ranked.size());
    record.emit(new SearchEvent.CandidateScreened(screening, count, screened,
        spec.derive().screenSteps()));
    screening++;
    return screenNext();
  }

  private Behavior<Command> startFinalTraining() {
    List<SearchEvent.Candidate> top = List.copyOf(ranked);
    record.emit(new SearchEvent.Derived(top, spec.derive().samples(),
        spec.derive().screens() ? spec.derive().screenSteps() : 0, spec.derive().selection()));
    finalChild = space.parse(top.get(0).architecture());
    stage = Stage.FINAL;
    record.emit(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING));
    ActorRef<FinalTrainer.Report> reports =
        context.messageAdapter(FinalTrainer.Report.class, FinalReport::new);
    finalTrainer = context.spawn(
        FinalTrainer.create(finalChild, data, spec, record.id(), buildVersion, reports), "final",
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
    context.watchWith(finalTrainer, new ChildStopped("final trainer"));
    return this;
  }

  private Behavior<Command> onFinalReport(FinalReport m) {
    if (stage != Stage.FINAL && stage != Stage.EXPORTING) {
      return this;
    }
    if (m.report() instanceof FinalTrainer.EpochDone e) {
      record.emit(e.progress());
      if (cancelReason != null) {
        return cancelled();
      }
      return this;
    }
    if (m.report() instanceof FinalTrainer.Tested) {
      stage = Stage.EXPORTING;
      record.emit(new SearchEvent.PhaseChanged(Phase.EXPORTING));
      return this;
    }
    // The final trainer stops by itself after its last report; that stop is not a crash.
    context.unwatch(finalTrainer);
    if (m.report() instanceof FinalTrainer.RetrainingFailed f) {
      return fail("final training failed: " + f.reason());
    }
    if (m.report() instanceof FinalTrainer.ExportFailed f) {
      return fail("exporting the model failed: " + f.reason());
    }
    FinalTrainer.Done done = (FinalTrainer.Done) m.report();
    stage = Stage.PUBLISHING;
    // Publishing writes the files and loads the model into ONNX Runtime: not on an actor thread.
    String name = record.id();
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      try {
        return publisher.publish(name, done.model(), done.metadata());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, blocking), (version, failure) -> new Published(done, version, failure));
    return this;
  }

  private Behavior<Command> onPublished(Published m) {
    if (stage != Stage.PUBLISHING) {
      return this;
    }
    if (m.failure() != null) {
      Throwable cause = m.failure();
      while ((cause instanceof java.util.concurrent.CompletionException
          || cause instanceof java.io.UncheckedIOException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return fail("publishing the model failed: "
          + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
    }
    finalDone = m.done();
    // The model comes before the terminal events: whoever sees the search succeed finds it.
    record.modelPublished(record.id(), m.version());
    if (cancelReason != null) {
      return cancelled();
    }
    if (spec.retrain().plainBaseline()) {
      return startBaselineTraining();
    }
    return succeed(null);
  }

  /** Retrains the space's plain child with the derived child's budget (retrain.plainBaseline). */
  private Behavior<Command> startBaselineTraining() {
    stage = Stage.BASELINE;
    record.emit(new SearchEvent.PhaseChanged(Phase.BASELINE_TRAINING));
    ActorRef<FinalTrainer.Report> reports =
        context.messageAdapter(FinalTrainer.Report.class, BaselineReport::new);
    baselineTrainer = context.spawn(
        FinalTrainer.baseline(space.plain(), data, spec, reports), "baseline",
        DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
    context.watchWith(baselineTrainer, new ChildStopped("baseline trainer"));
    return this;
  }

  private Behavior<Command> onBaselineReport(BaselineReport m) {
    if (stage != Stage.BASELINE) {
      return this;
    }
    if (m.report() instanceof FinalTrainer.EpochDone e) {
      record.emit(e.progress().ofPlainBaseline());
      if (cancelReason != null) {
        return cancelled();
      }
      return this;
    }
    // The trainer stops by itself after its last report; that stop is not a crash.
    context.unwatch(baselineTrainer);
    if (m.report() instanceof FinalTrainer.RetrainingFailed f) {
      return fail("retraining the plain baseline failed: " + f.reason());
    }
    Retraining.Result r = ((FinalTrainer.Tested) m.report()).result();
    return succeed(SearchEvent.PlainBaseline.of(space.plain().encode(), r));
  }

  private Behavior<Command> succeed(SearchEvent.PlainBaseline baseline) {
    FinalTrainer.Done done = finalDone;
    stage = Stage.DONE;
    record.emit(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    record.emit(new SearchEvent.Finished(finalChild.encode(), done.result().testAccuracy(),
        done.result().parameters(), (System.nanoTime() - startNanos) / 1e9,
        done.result().testPerplexity(), baseline));
    return this;
  }

  // ----- ends ----------------------------------------------------------------------------------

  private Behavior<Command> onCancel(Cancel m) {
    // While publishing, the model is one atomic write away from served: letting it finish leaves
    // no half-published version behind, and the search ends in a moment either way.
    if (stage == Stage.DONE || stage == Stage.PUBLISHING || cancelReason != null) {
      return this;
    }
    cancelReason = m.reason() == null || m.reason().isBlank() ? "cancelled on request" : m.reason();
    if (stage == Stage.FINAL || stage == Stage.EXPORTING || stage == Stage.BASELINE
        || stage == Stage.SCREENING) {
      // The final and baseline trainers drive themselves; stopping them is the step boundary.
      return cancelled();
    }
    // Otherwise the next step boundary (the reply in flight) notices the flag.
    return this;
  }

  private Behavior<Command> cancelled() {
    stopAllChildren();
    stage = Stage.DONE;
    record.emitEnd(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    record.emitEnd(new SearchEvent.Cancelled(cancelReason));
    return this;
  }

  private Behavior<Command> fail(String reason) {
    if (stage == Stage.DONE) {
      return this;
    }
    stopAllChildren();
    stage = Stage.DONE;
    record.emitEnd(new SearchEvent.PhaseChanged(Phase.FAILED));
    record.emitEnd(new SearchEvent.Failed(reason));
    return this;
  }

  private void stopSearchChildren() {
    for (ActorRef<?> child : new ActorRef<?>[] {trainer, evaluator, store, controller}) {
      if (child != null) {
        context.unwatch(child);
        context.stop(child);
      }
    }
    trainer = null;
    evaluator = null;
    store = null;
    controller = null;
  }

  private void stopAllChildren() {
    stopSearchChildren();
    if (finalTrainer != null) {
      context.unwatch(finalTrainer);
    }
    if (baselineTrainer != null) {
      context.unwatch(baselineTrainer);
    }
    if (screener != null) {
      context.unwatch(screener);
    }
    context.getChildren().forEach(context::stop);
  }
}
