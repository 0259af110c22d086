package dev.enas.server.api;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.enas.proto.v1.Architecture;
import dev.enas.proto.v1.Progress;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.ScoredArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchResult;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.SearchInfo;
import dev.enas.train.Phase;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Domain values to wire messages for searches and their history: the resource a client sees is
 * assembled here and nowhere else.
 */
final class SearchMapper {
  private SearchMapper() {}

  static Search toWire(SearchInfo info) {
    Search.Builder out =
        Search.newBuilder()
            .setId(info.id())
            .setSpec(SpecMapper.toWire(info.spec()))
            .setState(state(info.phase()))
            .setPhase(phase(info.phase()))
            .setProgress(toWire(info.progress()))
            .setFailureReason(info.failureReason())
            .setCreateTime(timestamp(info.createTime()))
            .setUpdateTime(timestamp(info.updateTime()))
            .setEventCount(info.eventCount())
            .setPaused(info.paused());
    if (info.best() != null) {
      out.setBest(
          ScoredArchitecture.newBuilder()
              .setArchitecture(architecture(info.best().architecture()))
              .setReward(info.best().reward()));
    }
    if (info.result() != null) {
      SearchResult.Builder result =
          SearchResult.newBuilder()
              .setArchitecture(architecture(info.result().architecture()))
              .setTestAccuracy(info.result().testAccuracy())
              .setParameters(info.result().parameters());
      if (!Double.isNaN(info.result().testPerplexity())) {
        result.setTestPerplexity(info.result().testPerplexity());
      }
      if (info.result().plainBaseline() != null) {
        result.setPlainBaseline(EventMapper.plainBaseline(info.result().plainBaseline()));
      }
      if (info.result().rankCheck() != null) {
        result.setRankCheck(EventMapper.rankCheck(info.result().rankCheck()));
      }
      out.setResult(result);
    }
    if (info.model() != null) {
      out.setModelName(info.model().name()).setModelVersion(info.model().version());
    }
    if (info.startTime() != null) {
      out.setStartTime(timestamp(info.startTime()));
    }
    if (info.endTime() != null) {
      out.setEndTime(timestamp(info.endTime()));
    }
    return out.build();
  }

  static SampledArchitecture toWire(HistoryEntry entry) {
    return SampledArchitecture.newBuilder()
        .setIndex(entry.index())
        .setSequence(entry.sequence())
        .setTime(timestamp(entry.time()))
        .setEpoch(entry.epoch())
        .setPolicyVersion(entry.policyVersion())
        .setArchitecture(architecture(entry.architecture()))
        .setReward(entry.reward())
        .setLogProbability(entry.logProbability())
        .setEntropy(entry.entropy())
        .setBaseline(entry.baseline())
        .build();
  }

  static Progress toWire(SearchInfo.Progress p) {
    return Progress.newBuilder()
        .setEpoch(p.epoch())
        .setEpochs(p.epochs())
        .setSteps(p.steps())
        .setControllerUpdates(p.controllerUpdates())
        .setArchitecturesSampled(p.architecturesSampled())
        .setFinalEpoch(p.finalEpoch())
        .setFinalEpochs(p.finalEpochs())
        .build();
  }

  /** The coarse state filters use. */
  static SearchState state(Phase phase) {
    switch (phase) {
      case PENDING:
        return SearchState.SEARCH_STATE_PENDING;
      case SUCCEEDED:
        return SearchState.SEARCH_STATE_SUCCEEDED;
      case FAILED:
        return SearchState.SEARCH_STATE_FAILED;
      case CANCELLED:
        return SearchState.SEARCH_STATE_CANCELLED;
      default:
        return SearchState.SEARCH_STATE_RUNNING;
    }
  }

  /** The phases a state covers; RUNNING is every phase between PENDING and the terminal ones. */
  static Set<Phase> phases(SearchState state) {
    switch (state) {
      case SEARCH_STATE_PENDING:
        return EnumSet.of(Phase.PENDING);
      case SEARCH_STATE_SUCCEEDED:
        return EnumSet.of(Phase.SUCCEEDED);
      case SEARCH_STATE_FAILED:
        return EnumSet.of(Phase.FAILED);
      case SEARCH_STATE_CANCELLED:
        return EnumSet.of(Phase.CANCELLED);
      case SEARCH_STATE_RUNNING:
        return EnumSet.range(Phase.SHARED_TRAINING, Phase.BASELINE_TRAINING);
      default:
        throw new IllegalArgumentException("no phases for " + state);
    }
  }

  static dev.enas.proto.v1.Phase phase(Phase phase) {
    switch (phase) {
      case PENDING:
        return dev.enas.proto.v1.Phase.PHASE_PENDING;
      case SHARED_TRAINING:
        return dev.enas.proto.v1.Phase.PHASE_SHARED_TRAINING;
      case CONTROLLER_TRAINING:
        return dev.enas.proto.v1.Phase.PHASE_CONTROLLER_TRAINING;
      case DERIVING:
        return dev.enas.proto.v1.Phase.PHASE_DERIVING;
      case FINAL_TRAINING:
        return dev.enas.proto.v1.Phase.PHASE_FINAL_TRAINING;
      case EXPORTING:
        return dev.enas.proto.v1.Phase.PHASE_EXPORTING;
      case BASELINE_TRAINING:
        return dev.enas.proto.v1.Phase.PHASE_BASELINE_TRAINING;
      case SUCCEEDED:
        return dev.enas.proto.v1.Phase.PHASE_SUCCEEDED;
      case FAILED:
        return dev.enas.proto.v1.Phase.PHASE_FAILED;
      case CANCELLED:
        return dev.enas.proto.v1.Phase.PHASE_CANCELLED;
      default:
        throw new IllegalArgumentException("unknown phase " + phase);
    }
  }

  /**
   * An architecture's canonical text with its space, which the text's prefix names; null or empty
   * text gives an empty message, which callers leave unset.
   */
  static Architecture architecture(String encoding) {
    if (encoding == null || encoding.isEmpty()) {
      return Architecture.getDefaultInstance();
    }
    int colon = encoding.indexOf(':');
    String prefix = colon < 0 ? "" : encoding.substring(0, colon).strip();
    SearchSpace space;
    switch (prefix) {
      case "macro":
        space = SearchSpace.SEARCH_SPACE_MACRO;
        break;
      case "micro":
        space = SearchSpace.SEARCH_SPACE_MICRO;
        break;
      case "rnn":
        space = SearchSpace.SEARCH_SPACE_RNN;
        break;
      default:
        space = SearchSpace.SEARCH_SPACE_UNSPECIFIED;
    }
    return Architecture.newBuilder().setSpace(space).setEncoding(encoding).build();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  /** Seconds as a Duration; a negative or non-finite value (a clock glitch) becomes zero. */
  static Duration duration(double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      return Duration.getDefaultInstance();
    }
    long whole = (long) Math.floor(seconds);
    int nanos = (int) Math.min(999_999_999L, Math.round((seconds - whole) * 1e9));
    return Duration.newBuilder().setSeconds(whole).setNanos(nanos).build();
  }
}
