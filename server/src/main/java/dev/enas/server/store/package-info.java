/**
 * What the server keeps about searches: per-search event logs that watchers replay and follow, and
 * the journal those events are written to so that searches outlive the server (its settings, its
 * entries and their serializer, and reading it back). No gRPC; the actors that write the journal
 * live in the actor package.
 */
package dev.enas.server.store;
