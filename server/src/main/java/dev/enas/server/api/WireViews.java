package dev.enas.server.api;

import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.SampledArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.domain.ArchitectureOrder;
import dev.enas.server.domain.HistoryEntry;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.LoggedEvent;
import dev.enas.train.Phase;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The wire messages of the search API built from the backend's values, for transports other than
 * gRPC (the HTTP JSON API and its event streams): the same mappers and page tokens as
 * SearchService, so that a search, an event or a page reads the same over both. Nothing here
 * touches gRPC itself.
 */
public final class WireViews {
  private WireViews() {}

  /** A search as GetSearch answers it. */
  public static Search search(SearchInfo info) {
    return SearchMapper.toWire(info);
  }

  /** A logged event as WatchSearch streams it. */
  public static SearchEvent event(String searchId, LoggedEvent event) {
    return EventMapper.toWire(searchId, event);
  }

  /** One entry of a search's sampled history as GetArchitecture answers it. */
  public static SampledArchitecture architecture(HistoryEntry entry) {
    return SearchMapper.toWire(entry);
  }

  /** The coarse state of a phase, as ListSearches filters by it. */
  public static SearchState state(Phase phase) {
    return SearchMapper.state(phase);
  }

  /** The phases a state covers. */
  public static Set<Phase> phases(SearchState state) {
    return SearchMapper.phases(state);
  }

  /**
   * A page of searches as ListSearches answers it; its token continues the same state filter, and
   * ListSearches accepts it too.
   */
  public static ListSearchesResponse searches(
      Page<SearchInfo> page, Collection<SearchState> states) {
    ListSearchesResponse.Builder out =
        ListSearchesResponse.newBuilder()
            .setNextPageToken(PageTokens.encode(searchesQuery(states), page.nextCursor()));
    page.items().forEach(item -> out.addSearches(SearchMapper.toWire(item)));
    return out.build();
  }

  /** The backend cursor of a ListSearches page token; throws InvalidArgument on page_token. */
  public static long searchesCursor(Collection<SearchState> states, String token) {
    return PageTokens.decode(searchesQuery(states), token);
  }

  /** A page of a search's history as ListArchitectures answers it. */
  public static ListArchitecturesResponse architectures(
      String searchId, ArchitectureOrder order, Page<HistoryEntry> page) {
    ListArchitecturesResponse.Builder out =
        ListArchitecturesResponse.newBuilder()
            .setNextPageToken(
                PageTokens.encode(architecturesQuery(searchId, order), page.nextCursor()))
            .setTotalSize(Math.max(page.totalSize(), 0));
    page.items().forEach(item -> out.addArchitectures(SearchMapper.toWire(item)));
    return out.build();
  }

  /** The backend cursor of a ListArchitectures page token; throws InvalidArgument on page_token. */
  public static long architecturesCursor(String searchId, ArchitectureOrder order, String token) {
    return PageTokens.decode(architecturesQuery(searchId, order), token);
  }

  // The queries match SearchServiceImpl's, so a token works on either transport.
  private static String searchesQuery(Collection<SearchState> states) {
    Set<Integer> numbers = new TreeSet<>();
    states.forEach(state -> numbers.add(state.getNumber()));
    return "searches " + numbers;
  }

  private static String architecturesQuery(String searchId, ArchitectureOrder order) {
    return "architectures " + searchId + " " + order;
  }
}
