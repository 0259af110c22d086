package dev.enas.server.app;

import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What the resume tests do with a search through the API: create it, watch it whole, and compare
 * two runs' events without what a run cannot repeat (its clock).
 */
final class SearchEvents {
  private SearchEvents() {}

  static String create(
      SearchServiceGrpc.SearchServiceBlockingStub stub, SearchSpec spec, String id) {
    return stub.createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(SpecMapper.toWire(spec))
                .setSearchId(id)
                .build())
        .getId();
  }

  /** Every event of the search from 0, until it ends. */
  static List<SearchEvent> watchAll(SearchServiceGrpc.SearchServiceBlockingStub stub, String id) {
    List<SearchEvent> events = new ArrayList<>();
    stub.watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** An event without its time and the durations it reports. */
  static SearchEvent withoutClock(SearchEvent e) {
    SearchEvent.Builder b = e.toBuilder().clearTime();
    if (e.hasEpochFinished()) {
      b.setEpochFinished(e.getEpochFinished().toBuilder().clearDuration());
    }
    if (e.hasFinished()) {
      b.setFinished(e.getFinished().toBuilder().clearDuration());
    }
    return b.build();
  }

  static List<SearchEvent> withoutClock(List<SearchEvent> events) {
    return events.stream().map(SearchEvents::withoutClock).toList();
  }

  /** Events without their time, durations and search id: for comparing two searches' runs. */
  static List<SearchEvent> withoutIdOrClock(List<SearchEvent> events) {
    return withoutClock(events).stream().map(e -> e.toBuilder().clearSearchId().build()).toList();
  }
}
