package dev.enas.train;

import dev.enas.spec.DeriveSpec;
import java.util.List;

/**
 * What a running search reports, in the order it happens. Events are plain values (no native
 * resources), so they can be logged, stored and sent to any number of watchers.
 */
public sealed interface SearchEvent {

  /** The search entered a new phase. */
  record PhaseChanged(Phase phase) implements SearchEvent {}

  /**
   * One shared-weight step trained a sampled child on one minibatch; {@code perplexity} is the
   * language model's exp(loss) on it, NaN for the convolutional spaces.
   */
  record ChildTrained(
      int epoch,
      long step,
      String architecture,
      double loss,
      double learningRate,
      double perplexity)
      implements SearchEvent {
    /** A convolutional child's step, which has no perplexity. */
    public ChildTrained(
        int epoch, long step, String architecture, double loss, double learningRate) {
      this(epoch, step, architecture, loss, learningRate, Double.NaN);
    }

    /**
     * A step of either kind of child: a language model's perplexity is e to its mean cross-entropy
     * loss, the other spaces have none.
     */
    public static ChildTrained of(
        int epoch,
        long step,
        String architecture,
        double loss,
        double learningRate,
        boolean languageModel) {
      return new ChildTrained(
          epoch,
          step,
          architecture,
          loss,
          learningRate,
          languageModel ? Math.exp(loss) : Double.NaN);
    }
  }

  /** A step's loss was NaN or infinite: its update was skipped and the search went on. */
  record StepSkipped(int epoch, long step, String architecture, String reason, int inARow)
      implements SearchEvent {}

  /**
   * The controller sampled a child and it was rewarded on a validation batch; {@code perplexity} is
   * the validation perplexity the recurrent reward (80 / perplexity) encodes, NaN for the
   * convolutional spaces.
   */
  record ArchitectureSampled(
      int epoch,
      long policyVersion,
      String architecture,
      double reward,
      double logProbability,
      double entropy,
      double baseline,
      double perplexity)
      implements SearchEvent {
    /** A convolutional child's reward, which has no perplexity. */
    public ArchitectureSampled(
        int epoch,
        long policyVersion,
        String architecture,
        double reward,
        double logProbability,
        double entropy,
        double baseline) {
      this(
          epoch,
          policyVersion,
          architecture,
          reward,
          logProbability,
          entropy,
          baseline,
          Double.NaN);
    }
  }

  /** The controller made one REINFORCE update from several rewarded children. */
  record ControllerUpdated(
      int epoch,
      long policyVersion,
      int children,
      double meanReward,
      double meanEntropy,
      double baseline,
      double loss,
      double gradientNorm)
      implements SearchEvent {}

  /** A search epoch (shared pass and controller updates) ended. */
  record EpochFinished(
      int epoch,
      int epochs,
      double meanTrainLoss,
      double meanReward,
      String bestArchitecture,
      double bestReward,
      double seconds)
      implements SearchEvent {}

  /**
   * One derived candidate: its reward on the common validation batches, and for a screened one its
   * validation accuracy (image classifiers) or perplexity (language models) after the short
   * standalone training; NaN where they do not apply.
   */
  record Candidate(
      String architecture,
      double reward,
      double logProbability,
      double screenAccuracy,
      double screenPerplexity) {
    /** A candidate that was not screened. */
    public Candidate(String architecture, double reward, double logProbability) {
      this(architecture, reward, logProbability, Double.NaN, Double.NaN);
    }

    /** Whether the candidate was screened. */
    public boolean screened() {
      return !Double.isNaN(screenAccuracy) || !Double.isNaN(screenPerplexity);
    }

    /** The same candidate with its screening figures. */
    public Candidate withScreening(double accuracy, double perplexity) {
      return new Candidate(architecture, reward, logProbability, accuracy, perplexity);
    }
  }

  /**
   * Derivation scored the sampled candidates; the first of {@code top} is the chosen child. With
   * screening, the screened candidates come first by their screening figure. {@code selection} is
   * the spec's {@code derive.selection}: with {@code most-probable} the first candidate is the
   * policy's most probable child, whatever its score.
   */
  record Derived(List<Candidate> top, int sampled, int screenSteps, String selection)
      implements SearchEvent {
    public Derived {
      top = List.copyOf(top);
    }

    /** A derivation that kept the best-scored (or best screened) candidate. */
    public Derived(List<Candidate> top, int sampled, int screenSteps) {
      this(top, sampled, screenSteps, DeriveSpec.BEST_REWARD);
    }

    /** A derivation without screening. */
    public Derived(List<Candidate> top, int sampled) {
      this(top, sampled, 0);
    }
  }

  /**
   * Candidate {@code index} of {@code count} was screened: trained from scratch for {@code steps}
   * minibatches as the retraining network and scored on the validation split.
   */
  record CandidateScreened(int index, int count, Candidate candidate, int steps)
      implements SearchEvent {}

  /**
   * Architecture {@code index} of the {@code count} the rank check trains alone finished its {@code
   * steps} minibatches: {@code candidate} holds its shared-weight reward and its standalone
   * validation accuracy (image classifiers) or perplexity (language models).
   */
  record RankCheckTrained(int index, int count, Candidate candidate, int steps)
      implements SearchEvent {}

  /**
   * The rank check's outcome (the spec's {@code derive.rankCheck}): Kendall's tau-b between the
   * shared-weight reward of each checked architecture and its figure when trained alone for {@code
   * steps} minibatches, with the two-sided p-value of "no association". Both are NaN with fewer
   * than three architectures (the derivation drew fewer distinct children) or when either figure is
   * the same for all. A language model's standalone figure is its perplexity, lower being better,
   * so it enters the correlation negated: for every space a positive tau means the shared weights
   * rank children as training them alone does.
   *
   * @param architectures the checked architectures in the order they were trained, each with its
   *     reward and standalone figure (a {@link Candidate} with its screening figures)
   */
  record RankCheck(double kendallTau, double pValue, int steps, List<Candidate> architectures) {
    public RankCheck {
      architectures = List.copyOf(architectures);
    }
  }

  /**
   * An epoch of retraining ended: of the derived child, or of the plain baseline when {@code
   * plainBaseline} is set. A language model reports its validation perplexity, with NaN accuracies;
   * an image classifier its accuracies, with a NaN perplexity.
   */
  record FinalTrainingProgress(
      int epoch,
      int epochs,
      double trainLoss,
      double trainAccuracy,
      double validationAccuracy,
      double validationPerplexity,
      boolean plainBaseline)
      implements SearchEvent {
    /** An epoch of the derived child's retraining. */
    public FinalTrainingProgress(
        int epoch,
        int epochs,
        double trainLoss,
        double trainAccuracy,
        double validationAccuracy,
        double validationPerplexity) {
      this(
          epoch, epochs, trainLoss, trainAccuracy, validationAccuracy, validationPerplexity, false);
    }

    /** An image classifier's epoch. */
    public FinalTrainingProgress(
        int epoch, int epochs, double trainLoss, double trainAccuracy, double validationAccuracy) {
      this(epoch, epochs, trainLoss, trainAccuracy, validationAccuracy, Double.NaN);
    }

    /** The same figures, as an epoch of the plain baseline's retraining. */
    public FinalTrainingProgress ofPlainBaseline() {
      return new FinalTrainingProgress(
          epoch, epochs, trainLoss, trainAccuracy, validationAccuracy, validationPerplexity, true);
    }
  }

  /**
   * The plain child of the space retrained with the derived child's width, depth and budget: the
   * result a user gets without searching. Accuracy for image classifiers, perplexity for language
   * models; the other figure is NaN.
   */
  record PlainBaseline(
      String architecture, double testAccuracy, long parameters, double testPerplexity) {
    /** The plain child's figures from its retraining's result. */
    public static PlainBaseline of(String architecture, Retraining.Result result) {
      return new PlainBaseline(
          architecture, result.testAccuracy(), result.parameters(), result.testPerplexity());
    }
  }

  /**
   * The search succeeded: the derived child and its test accuracy (image classifiers) or test
   * perplexity (language models); the other figure is NaN. {@code plainBaseline} is the plain
   * child's result when the spec asked for it, else null; so is {@code rankCheck}, the rank check's
   * outcome.
   */
  record Finished(
      String architecture,
      double testAccuracy,
      long parameters,
      double seconds,
      double testPerplexity,
      PlainBaseline plainBaseline,
      RankCheck rankCheck)
      implements SearchEvent {
    /** Without a rank check. */
    public Finished(
        String architecture,
        double testAccuracy,
        long parameters,
        double seconds,
        double testPerplexity,
        PlainBaseline plainBaseline) {
      this(architecture, testAccuracy, parameters, seconds, testPerplexity, plainBaseline, null);
    }

    /** Without a plain baseline. */
    public Finished(
        String architecture,
        double testAccuracy,
        long parameters,
        double seconds,
        double testPerplexity) {
      this(architecture, testAccuracy, parameters, seconds, testPerplexity, null);
    }

    /** An image classifier's end, without a plain baseline. */
    public Finished(String architecture, double testAccuracy, long parameters, double seconds) {
      this(architecture, testAccuracy, parameters, seconds, Double.NaN);
    }
  }

  /** The search failed; the reason is meant for people. */
  record Failed(String reason) implements SearchEvent {}

  /** The search was cancelled at a step boundary. */
  record Cancelled(String reason) implements SearchEvent {}
}
