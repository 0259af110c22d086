package dev.enas.server.domain;

/** Orders of a search's sampled history, as ListArchitectures offers them. */
public enum ArchitectureOrder {
  /** Sampling order, oldest first. */
  SAMPLED,
  /** Highest reward first; equal rewards in sampling order. */
  REWARD
}
