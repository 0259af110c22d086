package dev.enas.server.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The HTTP port's settings, read from {@code enas.http} with the gRPC address as the default host.
 *
 * @param host address to listen on; the gRPC server's ({@code enas.server.host}) unless set
 * @param port port to listen on, 0 for one the system chooses
 * @param sseBuffer events an event-stream client may fall behind before its stream is cut with its
 *     resume point, as WatchSearch cuts a gRPC watcher
 * @param sseKeepAlive how often an idle event stream sends a comment line, so that proxies and the
 *     server's own idle timeout leave it open
 */
public record HttpSettings(String host, int port, int sseBuffer, Duration sseKeepAlive) {
  public HttpSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("enas.http.host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("enas.http.port must be in 0..65535, was " + port);
    }
    if (sseBuffer < 1 || sseBuffer > 10_000_000) {
      throw new IllegalArgumentException(
          "enas.http.sse-buffer must be in 1..10000000, was " + sseBuffer);
    }
    if (sseKeepAlive.isNegative() || sseKeepAlive.isZero()) {
      throw new IllegalArgumentException(
          "enas.http.sse-keep-alive must be positive, was " + sseKeepAlive);
    }
  }

  /** Reads {@code http.host} (empty: {@code server.host}), {@code http.port} and the rest. */
  public static HttpSettings fromConfig(Config enas) {
    String host = enas.getString("http.host");
    return new HttpSettings(
        host.isBlank() ? enas.getString("server.host") : host,
        enas.getInt("http.port"),
        enas.getInt("http.sse-buffer"),
        enas.getDuration("http.sse-keep-alive"));
  }
}
