package dev.enas.server.cluster;

import java.util.Objects;

/**
 * What a node tells every other node about a search it owns, over the cluster's searches topic: so
 * that each node's replica of the search list is complete without waiting for the journal sweep.
 */
public record SearchNews(Kind kind, String id) implements ClusterMessage {
  /** What happened to the search. */
  public enum Kind {
    /** The search's creation is in the journal. */
    CREATED,
    /** The search and its journal entries were deleted. */
    DELETED
  }

  public SearchNews {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
  }
}
