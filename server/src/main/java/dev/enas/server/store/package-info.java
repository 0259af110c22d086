/**
 * What the server keeps about searches: per-search event logs that watchers replay and follow.
 * Plain Java, no gRPC and no actors, so the API and the actors can both rely on it.
 */
package dev.enas.server.store;
