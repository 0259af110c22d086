package dev.enas.train;

import dev.enas.controller.ControllerState;
import dev.enas.supernet.NetworkState;
import java.util.List;
import java.util.Objects;

/**
 * A search captured between two steps of its {@link SearchRun}, as plain Java values (records,
 * arrays, strings; no native memory), so that a snapshot codec can write it and a fresh process can
 * continue the search from it to exactly the result an uninterrupted run gets. Parts that do not
 * exist at the snapshot's stage are null (the shared weights after derivation, the retrainer
 * between retrainings) or empty.
 *
 * @param space the space kind the search runs in, checked on resume
 * @param seed the search's seed, checked on resume
 * @param cursor where the search stands
 * @param steps steps the search had taken (see {@link SearchRun#steps()})
 * @param events events the search had reported (see {@link SearchRun#events()})
 * @param elapsedSeconds wall time the search ran before this snapshot (reported, not replayed)
 * @param epochSeconds wall time of the current search epoch before this snapshot
 * @param controller the policy with its optimizer, baseline and sampling stream
 * @param sharedModel the shared weights, until derivation ends
 * @param training shared training's data position and counters, until derivation ends
 * @param validationBatches validation minibatches the rewards read, until derivation ends
 * @param figures the current epoch's sums and the best child so far
 * @param pendingRewards children rewarded for the controller update in progress
 * @param scored derivation's distinct candidates so far, in sampling order
 * @param top derivation's ranked candidates, once derivation ended
 * @param screening the candidates as screening left them so far (screened ones first in rank)
 * @param retrainer the screening, retraining or baseline in progress, or null
 * @param derived the derived child's encoding, once chosen, else null
 * @param retrained the derived child's retraining result, once done, else null
 * @param plainBaseline the plain baseline's result, once done, else null
 * @param rankChecked the rank check's architectures once derivation chose them, those trained so
 *     far with their standalone figures; empty without a rank check
 */
public record SearchSnapshot(
    String space,
    long seed,
    Cursor cursor,
    long steps,
    long events,
    double elapsedSeconds,
    double epochSeconds,
    ControllerState controller,
    NetworkState sharedModel,
    SharedTraining.Position training,
    long validationBatches,
    EpochFigures figures,
    List<Rewarded> pendingRewards,
    List<SearchEvent.Candidate> scored,
    List<SearchEvent.Candidate> top,
    List<SearchEvent.Candidate> screening,
    Retrainer.State retrainer,
    String derived,
    Retraining.Result retrained,
    SearchEvent.PlainBaseline plainBaseline,
    List<SearchEvent.Candidate> rankChecked) {

  public SearchSnapshot {
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(cursor, "cursor");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(figures, "figures");
    pendingRewards = List.copyOf(pendingRewards);
    scored = List.copyOf(scored);
    top = List.copyOf(top);
    screening = List.copyOf(screening);
    rankChecked = rankChecked == null ? List.of() : List.copyOf(rankChecked);
  }

  /**
   * The position of the next step: its stage, search epoch (or retraining epoch), step within the
   * stage (shared step, derivation sample, screening or retraining step), controller update and
   * child within it, and the screened candidate's index.
   */
  public record Cursor(
      SearchRun.Stage stage, int epoch, int step, int update, int child, int index) {
    public Cursor {
      Objects.requireNonNull(stage, "stage");
    }
  }

  /**
   * The running sums of the current search epoch and the best child rewarded so far ({@code
   * bestArchitecture} null before the first reward).
   */
  public record EpochFigures(
      double lossSum,
      int lossCount,
      double rewardSum,
      int rewardCount,
      String bestArchitecture,
      double bestReward) {}

  /** A child rewarded for the controller update in progress, with the policy's view of it. */
  public record Rewarded(
      String architecture,
      double logProbability,
      double entropy,
      double skipPenalty,
      long policyVersion,
      double reward) {
    public Rewarded {
      Objects.requireNonNull(architecture, "architecture");
    }
  }
}
