package dev.enas.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.enas.server.api.WireViews;
import dev.enas.server.store.LoggedEvent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.util.ByteString;

/**
 * The Server-Sent Events form of one search's recent events, shared by every stream of that search:
 * with a hundred dashboards open an event is printed as protobuf JSON once, not a hundred times.
 * The last {@value #SLOTS} events are kept; a stream replaying older ones prints them itself (and
 * leaves them here for the next one).
 */
final class EncodedEvents {
  static final int SLOTS = 256;

  private static final JsonFormat.Printer JSON =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .omittingInsignificantWhitespace();

  private record Encoded(long sequence, ByteString bytes) {}

  private final String searchId;
  private final AtomicReferenceArray<Encoded> slots = new AtomicReferenceArray<>(SLOTS);

  EncodedEvents(String searchId) {
    this.searchId = searchId;
  }

  /**
   * The event as {@code data:} and {@code id:} lines.
   *
   * @throws IllegalStateException if the event has no protobuf JSON form
   */
  ByteString of(LoggedEvent event) {
    int slot = (int) Math.floorMod(event.sequence(), (long) SLOTS);
    Encoded cached = slots.get(slot);
    if (cached != null && cached.sequence() == event.sequence()) {
      return cached.bytes();
    }
    String json;
    try {
      json = JSON.print(WireViews.event(searchId, event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    ByteString bytes = sse(json, null, Long.toString(event.sequence()));
    // Two streams may print the same event at once; either result is the same bytes.
    slots.set(slot, new Encoded(event.sequence(), bytes));
    return bytes;
  }

  /**
   * One event in the {@code text/event-stream} format: a {@code data:} line for each line of the
   * data, then the optional {@code event:} and {@code id:} lines, then the blank line that
   * dispatches it.
   */
  static ByteString sse(String data, String type, String id) {
    StringBuilder text = new StringBuilder(data.length() + 32);
    text.append("data:");
    for (int i = 0; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        // CR, LF and CRLF all end a line in this format; each line needs its own field name.
        if (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') {
          i++;
        }
        text.append("\ndata:");
      } else {
        text.append(c);
      }
    }
    text.append('\n');
    if (type != null) {
      text.append("event:").append(type).append('\n');
    }
    if (id != null) {
      text.append("id:").append(id).append('\n');
    }
    text.append('\n');
    return ByteString.fromArray(text.toString().getBytes(StandardCharsets.UTF_8));
  }
}
