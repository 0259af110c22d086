/**
 * Search snapshots as bytes: {@link dev.enas.snapshot.SnapshotCodec} writes a {@link
 * dev.enas.train.SearchSnapshot} with Kryo behind a versioned, checksummed header, and {@link
 * dev.enas.snapshot.SnapshotStore} keeps the last few of a search in a directory, written
 * atomically. Plain values only: no native memory passes through here.
 */
package dev.enas.snapshot;
