package dev.enas.server.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A Server-Sent Events reader for the tests, parsing the stream as a browser's EventSource does
 * (fields id, event, data; comment lines ignored; a blank line dispatches), one event at a time, so
 * that a test can stop reading, or close the connection, wherever it likes.
 */
public final class SseClient implements AutoCloseable {
  /** One dispatched event; {@code id} is null when the event had none. */
  public record Event(String id, String type, String data) {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final HttpResponse<InputStream> response;
  private final BufferedReader reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
  }

  /** Opens {@code uri}, sending {@code Last-Event-ID} unless it is null. */
  public static SseClient open(URI uri, String lastEventId)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  /** The response's status code. */
  public int status() {
    return response.statusCode();
  }

  /** The response's content type. */
  public String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** The next event, or null at the end of the stream. */
  public Event next() throws IOException {
    String id = null;
    String type = "message";
    StringBuilder data = null;
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(id, type, data.toString());
        }
        id = null;
        type = "message";
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "id" -> id = value;
        case "event" -> type = value;
        case "data" ->
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> {}
      }
    }
    return null;
  }

  /** Closes the connection, as a browser tab does when it goes away. */
  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
