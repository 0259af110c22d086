package dev.enas.train;

import dev.enas.space.Architecture;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Screening of derived candidates (the spec's {@code derive.screenCandidates}): each of the best
 * shared-weight candidates is trained from scratch as the retraining network for {@code
 * derive.screenSteps} minibatches, its learning rate annealed from the retraining's maximum to its
 * minimum over those steps, and scored on the whole validation split. At small search budgets the
 * shared weights are far from trained and their scores favour children that need little training; a
 * short standalone training measures what the retraining rewards. The budget is bounded by the spec
 * and reported with the result; the test set is never read here.
 */
public final class Screening {
  private Screening() {}

  /** The spec a screening trains with: the retraining's, as one epoch of the screening steps. */
  public static SearchSpec spec(SearchSpec spec) {
    return spec(spec, spec.derive().screenSteps());
  }

  /**
   * The spec a short standalone training of {@code steps} minibatches trains with: the
   * retraining's, as one epoch of those steps (the rank check's, with its own step count).
   */
  public static SearchSpec spec(SearchSpec spec, int steps) {
    TrainingSpec t = spec.retrain().training();
    TrainingSpec screen =
        new TrainingSpec(
            1,
            steps,
            t.learningRateMax(),
            t.learningRateMin(),
            1,
            1,
            t.momentum(),
            t.weightDecay(),
            t.gradientClip(),
            t.maxNonFiniteSteps());
    RetrainSpec r = spec.retrain();
    return new SearchSpec(
        spec.space(),
        spec.data(),
        spec.child(),
        spec.shared(),
        spec.controller(),
        spec.derive(),
        new RetrainSpec(r.network(), screen, r.cutout(), r.plainBaseline()),
        spec.seed(),
        spec.languageModel());
  }

  /**
   * Trains {@code candidate} for the screening steps and returns it with its validation figure. A
   * candidate whose training diverges (too many non-finite steps in a row) is ranked last: accuracy
   * 0, perplexity infinite.
   *
   * @param beforeEachStep runs before every step, for instance to check for cancellation
   */
  public static SearchEvent.Candidate screen(
      SearchEvent.Candidate candidate, SearchData data, SearchSpec spec, Runnable beforeEachStep) {
    Architecture child = spec.space().toSearchSpace().parse(candidate.architecture());
    try (Retrainer retrainer = Retrainer.create(child, data, spec(spec))) {
      for (int s = 0; s < retrainer.stepsPerEpoch(); s++) {
        beforeEachStep.run();
        retrainer.step(0, s);
      }
      return withFigures(candidate, retrainer.endEpoch(0), data.isText());
    } catch (IllegalStateException diverged) {
      return diverged(candidate, data.isText());
    }
  }

  /** A candidate whose screening diverged, ranked last: accuracy 0, perplexity infinite. */
  public static SearchEvent.Candidate diverged(SearchEvent.Candidate candidate, boolean text) {
    return text
        ? candidate.withScreening(Double.NaN, Double.POSITIVE_INFINITY)
        : candidate.withScreening(0, Double.NaN);
  }

  /** The candidate with the validation figure of a screening that ended with {@code progress}. */
  public static SearchEvent.Candidate withFigures(
      SearchEvent.Candidate candidate, SearchEvent.FinalTrainingProgress progress, boolean text) {
    return text
        ? candidate.withScreening(Double.NaN, progress.validationPerplexity())
        : candidate.withScreening(progress.validationAccuracy(), Double.NaN);
  }

  /**
   * The candidates in their final order: screened ones first, best screening figure first (ties
   * keep the shared-weight order), then the others as they were ranked.
   */
  public static List<SearchEvent.Candidate> rank(List<SearchEvent.Candidate> candidates) {
    List<SearchEvent.Candidate> screened = new ArrayList<>();
    List<SearchEvent.Candidate> rest = new ArrayList<>();
    for (SearchEvent.Candidate c : candidates) {
      (c.screened() ? screened : rest).add(c);
    }
    screened.sort(Comparator.comparingDouble(Screening::badness));
    List<SearchEvent.Candidate> out = new ArrayList<>(screened);
    out.addAll(rest);
    return List.copyOf(out);
  }

  /** Lower is better: perplexity for language models, negated accuracy for classifiers. */
  private static double badness(SearchEvent.Candidate c) {
    return Double.isNaN(c.screenAccuracy()) ? c.screenPerplexity() : -c.screenAccuracy();
  }
}
