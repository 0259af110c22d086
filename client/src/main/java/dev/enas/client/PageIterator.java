package dev.enas.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Walks a paged list RPC lazily: the next page is fetched only when the items of the previous one
 * have been consumed, so reading the first few of a long list costs one call.
 *
 * @param <T> the listed item
 */
final class PageIterator<T> implements Iterator<T> {
  /** One page as the RPC returned it. */
  record Page<T>(List<T> items, String nextPageToken) {}

  private final Function<String, Page<T>> fetch;
  private Iterator<T> current = List.<T>of().iterator();
  private String nextToken = "";
  private boolean lastPage;

  /**
   * @param fetch reads the page a token names; the empty token is the first page
   */
  PageIterator(Function<String, Page<T>> fetch) {
    this.fetch = fetch;
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext() && !lastPage) {
      String token = nextToken;
      Page<T> page = fetch.apply(token);
      current = page.items().iterator();
      nextToken = page.nextPageToken();
      lastPage = nextToken.isEmpty();
      if (!lastPage && nextToken.equals(token)) {
        // The same token again would loop for ever; this is a server bug, not an empty list.
        throw new IllegalStateException(
            "the server returned page token '" + token + "' for the page that token itself named");
      }
    }
    return current.hasNext();
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }
}
