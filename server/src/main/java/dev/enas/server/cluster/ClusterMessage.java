package dev.enas.server.cluster;

/**
 * A message that may cross from one node of the cluster to another, written by {@link
 * ClusterSerializer}.
 */
public interface ClusterMessage {}
