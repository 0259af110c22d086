package dev.enas.server.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One child of a search's sampled history: what the controller drew and the reward it got. The
 * backend keeps these so clients can page through a search's history without replaying events.
 *
 * @param index position in the history, from 0
 * @param sequence sequence number of the event that reported it
 * @param time when it was rewarded
 * @param epoch search epoch it was sampled in
 * @param policyVersion controller updates done before it was sampled
 * @param architecture canonical text encoding
 * @param reward reward on a validation batch
 * @param logProbability log-probability of the sample under the policy
 * @param entropy entropy of the policy over the sample's decisions
 * @param baseline the moving-average baseline its reward was compared with
 */
public record HistoryEntry(
    long index,
    long sequence,
    Instant time,
    int epoch,
    long policyVersion,
    String architecture,
    double reward,
    double logProbability,
    double entropy,
    double baseline) {
  public HistoryEntry {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(architecture, "architecture");
  }
}
