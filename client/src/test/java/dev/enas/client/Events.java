package dev.enas.client;

import dev.enas.proto.v1.Architecture;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchSpace;
import java.util.ArrayList;
import java.util.List;

/** Event logs shaped like a real search's, in the order the server's coordinator emits them. */
public final class Events {
  /** How a scripted search ends. */
  public enum Outcome {
    SUCCEEDED,
    FAILED,
    CANCELLED
  }

  private final String searchId;
  private final List<SearchEvent> log = new ArrayList<>();

  private Events(String searchId) {
    this.searchId = searchId;
  }

  /**
   * A whole search: {@code epochs} epochs of {@code steps} shared steps and {@code updates}
   * controller updates of 2 children each, then derivation and {@code finalEpochs} epochs of final
   * training, ending as {@code outcome} says (a failed or cancelled search stops after its first
   * epoch).
   */
  public static List<SearchEvent> run(
      String searchId, int epochs, int steps, int updates, int finalEpochs, Outcome outcome) {
    Events e = new Events(searchId);
    long step = 0;
    long version = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      e.phase(Phase.PHASE_SHARED_TRAINING);
      for (int s = 0; s < steps; s++) {
        step++;
        e.add(
            SearchEvent.newBuilder()
                .setChildTrained(
                    SearchEvent.ChildTrained.newBuilder()
                        .setEpoch(epoch)
                        .setStep(step)
                        .setArchitecture(arch("0 | 1 0"))
                        .setLoss(2.0 - 0.01 * step)
                        .setLearningRate(0.05)));
      }
      e.phase(Phase.PHASE_CONTROLLER_TRAINING);
      for (int u = 0; u < updates; u++) {
        for (int c = 0; c < 2; c++) {
          e.add(
              SearchEvent.newBuilder()
                  .setArchitectureSampled(
                      SearchEvent.ArchitectureSampled.newBuilder()
                          .setEpoch(epoch)
                          .setPolicyVersion(version)
                          .setArchitecture(arch("3 | 5 1"))
                          .setReward(0.5 + 0.01 * version)
                          .setBaseline(0.45)));
        }
        version++;
        e.add(
            SearchEvent.newBuilder()
                .setControllerUpdated(
                    SearchEvent.ControllerUpdated.newBuilder()
                        .setEpoch(epoch)
                        .setPolicyVersion(version)
                        .setChildren(2)
                        .setMeanReward(0.5)
                        .setBaseline(0.46)
                        .setLoss(0.1)));
      }
      e.add(
          SearchEvent.newBuilder()
              .setEpochFinished(
                  SearchEvent.EpochFinished.newBuilder()
                      .setEpoch(epoch)
                      .setEpochs(epochs)
                      .setMeanTrainLoss(1.5)
                      .setMeanReward(0.55)
                      .setBestArchitecture(arch("3 | 5 1"))
                      .setBestReward(0.6 + 0.01 * epoch)));
      if (outcome != Outcome.SUCCEEDED) {
        break;
      }
    }
    if (outcome == Outcome.FAILED) {
      e.phase(Phase.PHASE_FAILED);
      e.add(
          SearchEvent.newBuilder()
              .setFailed(
                  SearchEvent.Failed.newBuilder().setReason("10 steps in a row had a NaN loss")));
      return e.log;
    }
    if (outcome == Outcome.CANCELLED) {
      e.phase(Phase.PHASE_CANCELLED);
      e.add(
          SearchEvent.newBuilder()
              .setCancelled(SearchEvent.Cancelled.newBuilder().setReason("enough")));
      return e.log;
    }
    e.phase(Phase.PHASE_DERIVING);
    e.add(
        SearchEvent.newBuilder()
            .setDerived(
                SearchEvent.Derived.newBuilder()
                    .setSampled(10)
                    .addTop(
                        SearchEvent.Candidate.newBuilder()
                            .setArchitecture(arch("3 | 5 1"))
                            .setReward(0.71))
                    .addTop(
                        SearchEvent.Candidate.newBuilder()
                            .setArchitecture(arch("0 | 1 0"))
                            .setReward(0.64))));
    e.phase(Phase.PHASE_FINAL_TRAINING);
    for (int f = 0; f < finalEpochs; f++) {
      e.add(
          SearchEvent.newBuilder()
              .setFinalTrainingProgress(
                  SearchEvent.FinalTrainingProgress.newBuilder()
                      .setEpoch(f)
                      .setEpochs(finalEpochs)
                      .setTrainLoss(0.9)
                      .setTrainAccuracy(0.7)
                      .setValidationAccuracy(0.72)));
    }
    e.phase(Phase.PHASE_SUCCEEDED);
    e.add(
        SearchEvent.newBuilder()
            .setFinished(
                SearchEvent.Finished.newBuilder()
                    .setArchitecture(arch("3 | 5 1"))
                    .setTestAccuracy(0.7825)
                    .setParameters(123456)));
    return e.log;
  }

  /** A search in {@code state} whose spec names a macro space. */
  public static Search search(String id, dev.enas.proto.v1.SearchState state) {
    return Search.newBuilder()
        .setId(id)
        .setState(state)
        .setSpec(
            dev.enas.proto.v1.SearchSpec.newBuilder()
                .setSpace(
                    dev.enas.proto.v1.SpaceSpec.newBuilder()
                        .setKind(SearchSpace.SEARCH_SPACE_MACRO)
                        .setLayers(2)))
        .build();
  }

  /**
   * A running search whose spec is resolved the way the server resolves it, with the totals a log
   * from {@link #run} with the same numbers reaches.
   */
  public static Search resolved(String id, int epochs, int updates, int finalEpochs) {
    Search search = search(id, dev.enas.proto.v1.SearchState.SEARCH_STATE_RUNNING);
    dev.enas.proto.v1.SearchSpec.Builder spec = search.getSpec().toBuilder();
    spec.getSharedBuilder().setEpochs(epochs).setStepsPerEpoch(0);
    spec.getControllerBuilder().setUpdatesPerEpoch(updates);
    spec.getDeriveBuilder().setSamples(10);
    spec.getRetrainBuilder().getTrainingBuilder().setEpochs(finalEpochs);
    return search.toBuilder()
        .setSpec(spec)
        .setProgress(
            dev.enas.proto.v1.Progress.newBuilder().setEpochs(epochs).setFinalEpochs(finalEpochs))
        .build();
  }

  /** A sampled history entry. */
  public static SampledArchitecture sampled(long index, double reward) {
    return SampledArchitecture.newBuilder()
        .setIndex(index)
        .setSequence(100 + index)
        .setEpoch((int) (index / 4))
        .setPolicyVersion(index / 2)
        .setArchitecture(arch(index % 6 + " | " + (index + 1) % 6 + " 1"))
        .setReward(reward)
        .build();
  }

  /** A macro architecture from the groups after {@code macro: }. */
  public static Architecture arch(String groups) {
    return Architecture.newBuilder()
        .setSpace(SearchSpace.SEARCH_SPACE_MACRO)
        .setEncoding("macro: " + groups)
        .build();
  }

  private void phase(Phase phase) {
    add(
        SearchEvent.newBuilder()
            .setPhaseChanged(SearchEvent.PhaseChanged.newBuilder().setPhase(phase)));
  }

  private void add(SearchEvent.Builder event) {
    log.add(event.setSearchId(searchId).setSequence(log.size()).build());
  }
}
