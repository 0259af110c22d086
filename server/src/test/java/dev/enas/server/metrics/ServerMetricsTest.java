package dev.enas.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

  @Test
  void inferenceRequestsAreCountedByTheThreadTheyRanOn() {
    AtomicLong transport = new AtomicLong(2);
    AtomicLong pool = new AtomicLong(5);
    ServerMetrics metrics = new ServerMetrics();
    try {
      metrics.inferenceRequests(transport::get, pool::get);
      pool.addAndGet(3);

      assertThat(
              metrics
                  .registry()
                  .get("enas.inference.requests")
                  .tag("ran_on", "transport")
                  .functionCounter()
                  .count())
          .isEqualTo(2.0);
      assertThat(
              metrics
                  .registry()
                  .get("enas.inference.requests")
                  .tag("ran_on", "pool")
                  .functionCounter()
                  .count())
          .isEqualTo(8.0);
    } finally {
      metrics.close();
    }
  }
}
