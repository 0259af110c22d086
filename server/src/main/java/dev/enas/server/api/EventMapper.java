package dev.enas.server.api;

import dev.enas.proto.v1.SearchEvent;
import dev.enas.server.store.LoggedEvent;

/**
 * Logged events to their wire form. Every kind of {@link dev.enas.train.SearchEvent} has a case
 * here; a kind without one is a bug that the event tests catch.
 */
final class EventMapper {
  private EventMapper() {}

  static SearchEvent toWire(String searchId, LoggedEvent logged) {
    SearchEvent.Builder out =
        SearchEvent.newBuilder()
            .setSearchId(searchId)
            .setSequence(logged.sequence())
            .setTime(SearchMapper.timestamp(logged.time()));
    dev.enas.train.SearchEvent event = logged.event();
    if (event instanceof dev.enas.train.SearchEvent.PhaseChanged e) {
      out.setPhaseChanged(
          SearchEvent.PhaseChanged.newBuilder().setPhase(SearchMapper.phase(e.phase())));
    } else if (event instanceof dev.enas.train.SearchEvent.ChildTrained e) {
      SearchEvent.ChildTrained.Builder trained =
          SearchEvent.ChildTrained.newBuilder()
              .setEpoch(e.epoch())
              .setStep(e.step())
              .setArchitecture(SearchMapper.architecture(e.architecture()))
              .setLoss(e.loss())
              .setLearningRate(e.learningRate());
      if (!Double.isNaN(e.perplexity())) {
        trained.setPerplexity(e.perplexity());
      }
      out.setChildTrained(trained);
    } else if (event instanceof dev.enas.train.SearchEvent.StepSkipped e) {
      out.setStepSkipped(
          SearchEvent.StepSkipped.newBuilder()
              .setEpoch(e.epoch())
              .setStep(e.step())
              .setArchitecture(SearchMapper.architecture(e.architecture()))
              .setReason(text(e.reason()))
              .setInARow(e.inARow()));
    } else if (event instanceof dev.enas.train.SearchEvent.ArchitectureSampled e) {
      SearchEvent.ArchitectureSampled.Builder sampled =
          SearchEvent.ArchitectureSampled.newBuilder()
              .setEpoch(e.epoch())
              .setPolicyVersion(e.policyVersion())
              .setArchitecture(SearchMapper.architecture(e.architecture()))
              .setReward(e.reward())
              .setLogProbability(e.logProbability())
              .setEntropy(e.entropy())
              .setBaseline(e.baseline());
      if (!Double.isNaN(e.perplexity())) {
        sampled.setPerplexity(e.perplexity());
      }
      out.setArchitectureSampled(sampled);
    } else if (event instanceof dev.enas.train.SearchEvent.ControllerUpdated e) {
      out.setControllerUpdated(
          SearchEvent.ControllerUpdated.newBuilder()
              .setEpoch(e.epoch())
              .setPolicyVersion(e.policyVersion())
              .setChildren(e.children())
              .setMeanReward(e.meanReward())
              .setMeanEntropy(e.meanEntropy())
              .setBaseline(e.baseline())
              .setLoss(e.loss())
              .setGradientNorm(e.gradientNorm()));
    } else if (event instanceof dev.enas.train.SearchEvent.EpochFinished e) {
      SearchEvent.EpochFinished.Builder epoch =
          SearchEvent.EpochFinished.newBuilder()
              .setEpoch(e.epoch())
              .setEpochs(e.epochs())
              .setMeanTrainLoss(e.meanTrainLoss())
              .setMeanReward(e.meanReward())
              .setBestReward(e.bestReward())
              .setDuration(SearchMapper.duration(e.seconds()));
      if (e.bestArchitecture() != null && !e.bestArchitecture().isEmpty()) {
        epoch.setBestArchitecture(SearchMapper.architecture(e.bestArchitecture()));
      }
      out.setEpochFinished(epoch);
    } else if (event instanceof dev.enas.train.SearchEvent.Derived e) {
      SearchEvent.Derived.Builder derived =
          SearchEvent.Derived.newBuilder()
              .setSampled(e.sampled())
              .setScreenSteps(e.screenSteps())
              .setSelection(e.selection());
      for (dev.enas.train.SearchEvent.Candidate c : e.top()) {
        derived.addTop(candidate(c));
      }
      out.setDerived(derived);
    } else if (event instanceof dev.enas.train.SearchEvent.CandidateScreened e) {
      out.setCandidateScreened(
          SearchEvent.CandidateScreened.newBuilder()
              .setIndex(e.index())
              .setCount(e.count())
              .setCandidate(candidate(e.candidate()))
              .setSteps(e.steps()));
    } else if (event instanceof dev.enas.train.SearchEvent.RankCheckTrained e) {
      out.setRankCheckTrained(
          SearchEvent.RankCheckTrained.newBuilder()
              .setIndex(e.index())
              .setCount(e.count())
              .setArchitecture(rankChecked(e.candidate()))
              .setSteps(e.steps()));
    } else if (event instanceof dev.enas.train.SearchEvent.FinalTrainingProgress e) {
      SearchEvent.FinalTrainingProgress.Builder progress =
          SearchEvent.FinalTrainingProgress.newBuilder()
              .setEpoch(e.epoch())
              .setEpochs(e.epochs())
              .setTrainLoss(e.trainLoss())
              .setTrainAccuracy(e.trainAccuracy())
              .setValidationAccuracy(e.validationAccuracy());
      if (!Double.isNaN(e.validationPerplexity())) {
        progress.setValidationPerplexity(e.validationPerplexity());
      }
      progress.setPlainBaseline(e.plainBaseline());
      out.setFinalTrainingProgress(progress);
    } else if (event instanceof dev.enas.train.SearchEvent.Finished e) {
      SearchEvent.Finished.Builder finished =
          SearchEvent.Finished.newBuilder()
              .setArchitecture(SearchMapper.architecture(e.architecture()))
              .setTestAccuracy(e.testAccuracy())
              .setParameters(e.parameters())
              .setDuration(SearchMapper.duration(e.seconds()));
      if (!Double.isNaN(e.testPerplexity())) {
        finished.setTestPerplexity(e.testPerplexity());
      }
      if (e.plainBaseline() != null) {
        finished.setPlainBaseline(plainBaseline(e.plainBaseline()));
      }
      if (e.rankCheck() != null) {
        finished.setRankCheck(rankCheck(e.rankCheck()));
      }
      out.setFinished(finished);
    } else if (event instanceof dev.enas.train.SearchEvent.Failed e) {
      out.setFailed(SearchEvent.Failed.newBuilder().setReason(text(e.reason())));
    } else if (event instanceof dev.enas.train.SearchEvent.Cancelled e) {
      out.setCancelled(SearchEvent.Cancelled.newBuilder().setReason(text(e.reason())));
    } else {
      throw new IllegalStateException("no wire form for event " + event.getClass().getName());
    }
    return out.build();
  }

  private static SearchEvent.Candidate candidate(dev.enas.train.SearchEvent.Candidate c) {
    SearchEvent.Candidate.Builder out =
        SearchEvent.Candidate.newBuilder()
            .setArchitecture(SearchMapper.architecture(c.architecture()))
            .setReward(c.reward())
            .setLogProbability(c.logProbability());
    if (!Double.isNaN(c.screenAccuracy())) {
      out.setScreenAccuracy(c.screenAccuracy());
    }
    if (!Double.isNaN(c.screenPerplexity())) {
      out.setScreenPerplexity(c.screenPerplexity());
    }
    return out.build();
  }

  /** The wire form of a rank check's outcome. */
  static dev.enas.proto.v1.RankCheck rankCheck(dev.enas.train.SearchEvent.RankCheck r) {
    dev.enas.proto.v1.RankCheck.Builder out =
        dev.enas.proto.v1.RankCheck.newBuilder()
            .setKendallTau(r.kendallTau())
            .setPValue(r.pValue())
            .setArchitectureCount(r.architectures().size())
            .setSteps(r.steps());
    for (dev.enas.train.SearchEvent.Candidate c : r.architectures()) {
      out.addArchitectures(rankChecked(c));
    }
    return out.build();
  }

  private static dev.enas.proto.v1.RankCheckedArchitecture rankChecked(
      dev.enas.train.SearchEvent.Candidate c) {
    dev.enas.proto.v1.RankCheckedArchitecture.Builder out =
        dev.enas.proto.v1.RankCheckedArchitecture.newBuilder()
            .setArchitecture(SearchMapper.architecture(c.architecture()))
            .setReward(c.reward());
    if (!Double.isNaN(c.screenAccuracy())) {
      out.setStandaloneAccuracy(c.screenAccuracy());
    }
    if (!Double.isNaN(c.screenPerplexity())) {
      out.setStandalonePerplexity(c.screenPerplexity());
    }
    return out.build();
  }

  /** The wire form of a plain baseline's result. */
  static dev.enas.proto.v1.PlainBaseline plainBaseline(dev.enas.train.SearchEvent.PlainBaseline b) {
    dev.enas.proto.v1.PlainBaseline.Builder out =
        dev.enas.proto.v1.PlainBaseline.newBuilder()
            .setArchitecture(SearchMapper.architecture(b.architecture()))
            .setTestAccuracy(b.testAccuracy())
            .setParameters(b.parameters());
    if (!Double.isNaN(b.testPerplexity())) {
      out.setTestPerplexity(b.testPerplexity());
    }
    return out.build();
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
