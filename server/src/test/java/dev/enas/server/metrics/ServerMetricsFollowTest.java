package dev.enas.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Phase;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The metrics follow the event logs of searches that can still add events: a search that had ended
 * before they started is counted by state but its log is never asked for, since a restarted server
 * would read it whole from the journal for nothing.
 */
class ServerMetricsFollowTest {
  private static SearchInfo search(String id, Phase phase, Instant created) {
    SearchSpec spec = SearchSpec.smoke("macro", 1);
    return new SearchInfo(
        id,
        spec,
        phase,
        SearchInfo.Progress.start(spec),
        null,
        null,
        "",
        created,
        created,
        created,
        null,
        0,
        null);
  }

  @Test
  void logsOfSearchesEndedBeforeTheStartAreNotAskedFor() throws Exception {
    Instant past = Instant.parse("2020-01-01T00:00:00Z");
    Instant future = Instant.now().plusSeconds(3600);
    List<SearchInfo> searches =
        List.of(
            search("ended-before", Phase.SUCCEEDED, past),
            search("running-before", Phase.SHARED_TRAINING, past),
            search("ended-after", Phase.CANCELLED, future));
    List<String> asked = new CopyOnWriteArrayList<>();
    SearchBackend backend =
        (SearchBackend)
            Proxy.newProxyInstance(
                SearchBackend.class.getClassLoader(),
                new Class<?>[] {SearchBackend.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "list" ->
                          CompletableFuture.completedFuture(
                              new Page<>(searches, 0, searches.size()));
                      case "eventLog" -> {
                        asked.add((String) args[0]);
                        yield CompletableFuture.completedFuture(new EventLog());
                      }
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    ServerMetrics metrics = new ServerMetrics();
    try {
      metrics.follow(backend, java.time.Duration.ofHours(1));
      String text = metrics.scrape().toCompletableFuture().get(1, TimeUnit.MINUTES);
      assertThat(text).contains("succeeded", "cancelled", "running");
      metrics.scrape().toCompletableFuture().get(1, TimeUnit.MINUTES);
      assertThat(asked).containsExactlyInAnyOrder("running-before", "ended-after");
    } finally {
      metrics.close();
    }
  }
}
