package dev.enas.server.domain;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the page, in the listing's order
 * @param nextCursor where the next page starts, as the backend understands it; 0 on the last page
 * @param totalSize length of the whole listing when the page was read, or -1 if unknown
 */
public record Page<T>(List<T> items, long nextCursor, long totalSize) {
  public Page {
    items = List.copyOf(items);
    if (nextCursor < 0) {
      throw new IllegalArgumentException("nextCursor must be 0 or positive, was " + nextCursor);
    }
  }
}
