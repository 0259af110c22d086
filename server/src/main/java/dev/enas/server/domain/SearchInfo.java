package dev.enas.server.domain;

import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * A search as the backend sees it at one moment, which the API turns into an {@code
 * enas.v1.Search}. Absent values are {@code null} rather than Optional so that the actors can build
 * these cheaply.
 *
 * @param id server-wide unique id
 * @param spec the resolved spec the search runs with
 * @param phase current phase
 * @param progress counters of the search's progress
 * @param best highest-reward architecture so far; null before the first reward
 * @param result the outcome; non-null only in {@link Phase#SUCCEEDED}
 * @param failureReason why it failed or was cancelled; empty otherwise
 * @param createTime when it was accepted
 * @param updateTime when anything about it last changed
 * @param startTime when it left {@link Phase#PENDING}; null before
 * @param endTime when it reached a terminal phase; null before
 * @param eventCount events in its log, which is the sequence the next event will get
 * @param model the model it published for serving; null before it succeeded
 * @param paused whether it is paused (takes no steps until resumed); false once it has ended
 */
public record SearchInfo(
    String id,
    SearchSpec spec,
    Phase phase,
    Progress progress,
    Scored best,
    Result result,
    String failureReason,
    Instant createTime,
    Instant updateTime,
    Instant startTime,
    Instant endTime,
    long eventCount,
    Model model,
    boolean paused) {

  /** A search that is not paused. */
  public SearchInfo(
      String id,
      SearchSpec spec,
      Phase phase,
      Progress progress,
      Scored best,
      Result result,
      String failureReason,
      Instant createTime,
      Instant updateTime,
      Instant startTime,
      Instant endTime,
      long eventCount,
      Model model) {
    this(
        id,
        spec,
        phase,
        progress,
        best,
        result,
        failureReason,
        createTime,
        updateTime,
        startTime,
        endTime,
        eventCount,
        model,
        false);
  }

  public SearchInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(createTime, "createTime");
    Objects.requireNonNull(updateTime, "updateTime");
    failureReason = failureReason == null ? "" : failureReason;
    paused = paused && !phase.isTerminal();
  }

  /**
   * Counters of a search's progress; each only grows.
   *
   * @param epoch search epochs finished
   * @param epochs search epochs in total
   * @param steps shared-weight steps done
   * @param controllerUpdates controller updates done
   * @param architecturesSampled length of the sampled history
   * @param finalEpoch epochs of final training finished
   * @param finalEpochs epochs of final training in total
   */
  public record Progress(
      int epoch,
      int epochs,
      long steps,
      long controllerUpdates,
      long architecturesSampled,
      int finalEpoch,
      int finalEpochs) {

    /** Nothing done yet, with the totals the spec sets. */
    public static Progress start(SearchSpec spec) {
      return new Progress(
          0, spec.shared().epochs(), 0, 0, 0, 0, spec.retrain().training().epochs());
    }
  }

  /** An architecture (canonical text) with the reward it got. */
  public record Scored(String architecture, double reward) {
    public Scored {
      Objects.requireNonNull(architecture, "architecture");
    }
  }

  /**
   * The outcome of a search that succeeded: the retrained child and its test accuracy (image
   * classifiers) or test perplexity (language models); the other figure is NaN. The plain baseline
   * and the rank check are null unless the spec asked for them.
   */
  public record Result(
      String architecture,
      double testAccuracy,
      long parameters,
      double testPerplexity,
      SearchEvent.PlainBaseline plainBaseline,
      SearchEvent.RankCheck rankCheck) {
    public Result {
      Objects.requireNonNull(architecture, "architecture");
    }

    /** Without a rank check. */
    public Result(
        String architecture,
        double testAccuracy,
        long parameters,
        double testPerplexity,
        SearchEvent.PlainBaseline plainBaseline) {
      this(architecture, testAccuracy, parameters, testPerplexity, plainBaseline, null);
    }

    /** Without a plain baseline. */
    public Result(
        String architecture, double testAccuracy, long parameters, double testPerplexity) {
      this(architecture, testAccuracy, parameters, testPerplexity, null);
    }

    /** An image classifier's outcome. */
    public Result(String architecture, double testAccuracy, long parameters) {
      this(architecture, testAccuracy, parameters, Double.NaN);
    }
  }

  /** A model in the model repository: its name and the version a search published. */
  public record Model(String name, long version) {
    public Model {
      Objects.requireNonNull(name, "name");
    }
  }
}
