package dev.enas.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enas.server.store.LoggedEvent;
import dev.enas.train.SearchEvent;
import java.time.Instant;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

/** The event-stream wire form, and that the streams of one search share it. */
class EncodedEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LoggedEvent event(long sequence) {
    return new LoggedEvent(
        sequence,
        Instant.parse("2026-12-05T10:00:00Z"),
        new SearchEvent.ChildTrained(0, sequence, "macro: 0 | 1 1", 0.5, 0.05));
  }

  @Test
  void anEventIsItsJsonOnOneDataLineThenItsIdThenABlankLine() throws Exception {
    String text = new EncodedEvents("s1").of(event(7)).utf8String();
    assertThat(text).startsWith("data:{").endsWith("\nid:7\n\n");
    assertThat(text.split("\n", -1)).hasSize(4);
    JsonNode json = JSON.readTree(text.substring("data:".length(), text.indexOf('\n')));
    assertThat(json.get("search_id").asText()).isEqualTo("s1");
    assertThat(json.get("sequence").asText()).isEqualTo("7");
    assertThat(json.has("child_trained")).isTrue();
  }

  @Test
  void everyLineOfTheDataGetsItsOwnFieldNameWhateverEndsIt() {
    assertThat(EncodedEvents.sse("a\nb\r\nc\rd", "cut", null).utf8String())
        .isEqualTo("data:a\ndata:b\ndata:c\ndata:d\nevent:cut\n\n");
    assertThat(EncodedEvents.sse("", null, "3").utf8String()).isEqualTo("data:\nid:3\n\n");
  }

  @Test
  void streamsOfOneSearchShareTheBytesOfARecentEvent() {
    EncodedEvents encoded = new EncodedEvents("s1");
    ByteString first = encoded.of(event(3));
    assertThat(encoded.of(event(3))).isSameAs(first);
    // The slot is taken by a later event: the old one is printed again, to the same bytes.
    ByteString later = encoded.of(event(3 + EncodedEvents.SLOTS));
    assertThat(later).isNotEqualTo(first);
    ByteString again = encoded.of(event(3));
    assertThat(again).isNotSameAs(first).isEqualTo(first);
  }
}
