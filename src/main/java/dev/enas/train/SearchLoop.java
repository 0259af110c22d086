package dev.enas.train;

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
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole ENAS search in one thread, as the paper runs it: each epoch trains the shared weights for
 * one pass, one sampled child per minibatch, then makes a number of controller updates, each from
 * several children rewarded on validation minibatches. Afterwards it derives the best child from
 * the trained policy, retrains it from scratch and reports its test accuracy.
 *
 * <p>Every step is reported to the listener as a {@link SearchEvent}; the last event is always
 * the terminal one (finished, failed or cancelled), right after the phase change to its phase. Cancellation is checked at
 * every step boundary. The same spec (seed included) on the same machine gives the same sequence of
 * sampled architectures and the same derived child. The server's actors drive the same pieces
 * ({@link SharedTraining}, {@link RewardEvaluator}, {@link Derivation}, {@link Retraining}); this
 * loop is also the baseline their overhead is measured against.
 */
public final class SearchLoop {
  private static final Logger log = LoggerFactory.getLogger(SearchLoop.class);

  private final SearchSpec spec;
  private final Consumer<SearchEvent> listener;
  private final BooleanSupplier cancelRequested;

  /**
   * @param spec the search; validated here, before anything is loaded
   * @param listener receives every event in order, on the loop's thread; must not block for long
   * @param cancelRequested polled at every step boundary
   */
  public SearchLoop(SearchSpec spec, Consumer<SearchEvent> listener, BooleanSupplier cancelRequested) {
    this.spec = spec.validate();
    this.listener = Objects.requireNonNull(listener, "listener");
    this.cancelRequested = Objects.requireNonNull(cancelRequested, "cancelRequested");
  }

  /** Runs the search to its end and returns how it ended; never throws for a failed search. */
  public SearchResult run() {
    long start = System.nanoTime();
    try {
      SearchData data = SearchData.load(spec);
      return search(data, start);
    } catch (Cancelled c) {
      emit(new SearchEvent.PhaseChanged(Phase.CANCELLED));
      emit(new SearchEvent.Cancelled(c.getMessage()));
      return SearchResult.cancelled(c.getMessage());
    } catch (Exception | OutOfMemoryError e) {
      log.warn("search failed", e);
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      emit(new SearchEvent.PhaseChanged(Phase.FAILED));
      emit(new SearchEvent.Failed(reason));
      return SearchResult.failed(reason);
    }
  }

  private SearchResult search(SearchData data, long start) throws Exception {
    SearchSpace space = spec.space().toSearchSpace();
    Controller controller = Controllers.create(space, spec.controller(), spec.seed());
    Architecture derived;
    List<SearchEvent.Candidate> top;
    boolean text = data.isText();
    try (SharedModel model = SharedModel.create(spec, data);
        SharedTraining training = new SharedTraining(data, spec);
        RewardEvaluator evaluator = new RewardEvaluator(data, spec)) {
      int epochs = spec.shared().epochs();
      Architecture best = null;
      double bestReward = Double.NEGATIVE_INFINITY;
      for (int epoch = 0; epoch < epochs; epoch++) {
        long epochStart = System.nanoTime();
        emit(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
        double lossSum = 0;
        int lossCount = 0;
        for (int s = 0; s < training.stepsPerEpoch(); s++) {
          checkCancelled();
          Sample child = controller.sample();
          SharedTraining.Outcome outcome = training.step(model, child.architecture(), epoch, s);
          StepResult r = outcome.result();
          if (r.applied()) {
            lossSum += r.loss();
            lossCount++;
            emit(SearchEvent.ChildTrained.of(epoch, outcome.step(), child.architecture().encode(),
                r.loss(), outcome.learningRate(), text));
          } else {
            emit(new SearchEvent.StepSkipped(epoch, outcome.step(), child.architecture().encode(),
                "loss or gradient is not finite (loss " + r.loss() + ")", outcome.inARow()));
            if (outcome.inARow() >= spec.shared().maxNonFiniteSteps()) {
              throw new IllegalStateException(outcome.inARow()
                  + " shared-weight steps in a row had a NaN or infinite loss (shared."
                  + "maxNonFiniteSteps is " + spec.shared().maxNonFiniteSteps()
                  + "); lower shared.learningRateMax or shared.gradientClip");
            }
          }
        }
        emit(new SearchEvent.PhaseChanged(Phase.CONTROLLER_TRAINING));
        double rewardSum = 0;
        int rewardCount = 0;
        for (int u = 0; u < spec.controller().updatesPerEpoch(); u++) {
          List<Reward> batch = new ArrayList<>();
          for (int k = 0; k < spec.controller().childrenPerUpdate(); k++) {
            checkCancelled();
            Sample child = controller.sample();
            double reward = evaluator.reward(model, child.architecture());
            batch.add(new Reward(child, reward));
            rewardSum += reward;
            rewardCount++;
            if (reward > bestReward) {
              bestReward = reward;
              best = child.architecture();
            }
            emit(new SearchEvent.ArchitectureSampled(epoch, controller.policyVersion(),
                child.architecture().encode(), reward, child.logProbability(), child.entropy(),
                controller.baseline(), text ? model.metricOf(reward) : Double.NaN));
          }
          UpdateResult update = controller.update(batch);
          emit(new SearchEvent.ControllerUpdated(epoch, update.policyVersion(), update.children(),
              update.meanReward(), update.meanEntropy(), update.baseline(), update.loss(),
              update.gradientNorm()));
        }
        emit(new SearchEvent.EpochFinished(epoch, epochs,
            lossCount == 0 ? Double.NaN : lossSum / lossCount,
            rewardCount == 0 ? Double.NaN : rewardSum / rewardCount,
            best == null ? "" : best.encode(), best == null ? Double.NaN : bestReward,
            (System.nanoTime() - epochStart) / 1e9));
      }
      checkCancelled();
      emit(new SearchEvent.PhaseChanged(Phase.DERIVING));
      top = Derivation.derive(controller, spec.derive().samples(), spec.derive().topK(),
          child -> evaluator.rewardOnFixedBatch(model, child), this::checkCancelled);
    }
    // The shared weights are closed by now: screening trains standalone networks only.
    if (spec.derive().screens()) {
      top = screen(top, data);
    }
    emit(new SearchEvent.Derived(top, spec.derive().samples(),
        spec.derive().screens() ? spec.derive().screenSteps() : 0));
    derived = space.parse(top.get(0).architecture());
    emit(new SearchEvent.PhaseChanged(Phase.FINAL_TRAINING));
    Retraining.Result retrained;
    try (Retrainer retrainer = Retrainer.create(derived, data, spec)) {
      retrained = retrainer.runToEnd(this::checkCancelled, this::emit);
    }
    SearchEvent.PlainBaseline baseline = null;
    if (spec.retrain().plainBaseline()) {
      emit(new SearchEvent.PhaseChanged(Phase.BASELINE_TRAINING));
      baseline = plainBaseline(space.plain(), data, spec, this::checkCancelled, this::emit);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    emit(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
    emit(new SearchEvent.Finished(derived.encode(), retrained.testAccuracy(),
        retrained.parameters(), seconds, retrained.testPerplexity(), baseline));
    return SearchResult.succeeded(derived.encode(), retrained.testAccuracy(),
        retrained.testPerplexity(), top, seconds, baseline);
  }

  /**
   * Retrains {@code plain} exactly as the derived child was retrained (same network settings,
   * schedule, data order and seed), reporting its epochs as the plain baseline's.
   */
  static SearchEvent.PlainBaseline plainBaseline(Architecture plain, SearchData data,
      SearchSpec spec, Runnable beforeEachStep, Consumer<SearchEvent> events) {
    Retraining.Result r;
    try (Retrainer retrainer = Retrainer.create(plain, data, spec)) {
      r = retrainer.runToEnd(beforeEachStep, progress -> events.accept(progress.ofPlainBaseline()));
    }
    return SearchEvent.PlainBaseline.of(plain.encode(), r);
  }

  /** Screens the best candidates (derive.screenCandidates), reporting each, and re-ranks. */
  private List<SearchEvent.Candidate> screen(List<SearchEvent.Candidate> top, SearchData data) {
    int count = Math.min(spec.derive().screenCandidates(), top.size());
    List<SearchEvent.Candidate> out = new ArrayList<>(top);
    for (int i = 0; i < count; i++) {
      SearchEvent.Candidate screened =
          Screening.screen(top.get(i), data, spec, this::checkCancelled);
      out.set(i, screened);
      emit(new SearchEvent.CandidateScreened(i, count, screened, spec.derive().screenSteps()));
    }
    return Screening.rank(out);
  }

  private void checkCancelled() {
    if (cancelRequested.getAsBoolean()) {
      throw new Cancelled("cancelled on request");
    }
  }

  private void emit(SearchEvent event) {
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      // A broken listener must not take the search down with it.
      log.warn("search listener failed on {}", event, e);
    }
  }

  /** Unwinds the loop at a step boundary when cancellation was requested. */
  static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled(String message) {
      super(message, null, false, false);
    }
  }

}
