package dev.enas.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enas.spec.SearchSpec;
import dev.enas.train.SearchEvent;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Writes {@link JournalEvent}s as JSON, so the journal stays readable by later builds and by a
 * person with a database shell. Events and specs are plain records of the engine; their type is
 * named by the record's simple name (the manifest, and {@code type} inside a logged event), never
 * by a class name, so renaming a package does not orphan a journal and no class is loaded from the
 * data. Unknown fields are ignored, so a later build can add fields.
 */
public final class JournalSerializer extends SerializerWithStringManifest {
  /** Pekko's id for this serializer, unique among the system's serializers. */
  public static final int IDENTIFIER = 130_013;

  static final String CREATED = "created";
  static final String LOGGED = "logged";
  static final String MODEL = "model";
  static final String RESTORED = "restored";
  static final String PAUSED = "paused";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final Map<String, Class<?>> EVENT_TYPES = new HashMap<>();

  static {
    for (Class<?> type : SearchEvent.class.getPermittedSubclasses()) {
      EVENT_TYPES.put(type.getSimpleName(), type);
    }
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof JournalEvent.Created) {
      return CREATED;
    }
    if (o instanceof JournalEvent.Logged) {
      return LOGGED;
    }
    if (o instanceof JournalEvent.ModelPublished) {
      return MODEL;
    }
    if (o instanceof JournalEvent.Restored) {
      return RESTORED;
    }
    if (o instanceof JournalEvent.Paused) {
      return PAUSED;
    }
    throw new IllegalArgumentException("not a journal event: " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    return toJson((JournalEvent) o).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromJson(new String(bytes, StandardCharsets.UTF_8), manifest);
  }

  /** The JSON of one entry. */
  public static String toJson(JournalEvent event) {
    ObjectNode node = JSON.createObjectNode();
    if (event instanceof JournalEvent.Created c) {
      node.put("id", c.id());
      node.put("ordinal", c.ordinal());
      node.put("time", c.time().toString());
      node.set("spec", JSON.valueToTree(c.spec()));
    } else if (event instanceof JournalEvent.Logged l) {
      node.put("sequence", l.sequence());
      node.put("time", l.time().toString());
      node.put("type", l.event().getClass().getSimpleName());
      node.set("event", JSON.valueToTree(l.event()));
    } else if (event instanceof JournalEvent.ModelPublished m) {
      node.put("name", m.name());
      node.put("version", m.version());
    } else if (event instanceof JournalEvent.Paused p) {
      node.put("paused", p.paused());
    } else if (event instanceof JournalEvent.Restored r) {
      node.put("sequence", r.sequence());
      node.set("skipped", JSON.valueToTree(r.skipped()));
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads one entry back.
   *
   * @throws NotSerializableException if the manifest or an event type is unknown to this build
   */
  public static JournalEvent fromJson(String json, String manifest)
      throws NotSerializableException {
    try {
      JsonNode node = JSON.readTree(json);
      switch (manifest) {
        case CREATED -> {
          return new JournalEvent.Created(
              node.get("id").asText(),
              node.get("ordinal").asLong(),
              JSON.treeToValue(node.get("spec"), SearchSpec.class),
              Instant.parse(node.get("time").asText()));
        }
        case LOGGED -> {
          String type = node.get("type").asText();
          Class<?> eventType = EVENT_TYPES.get(type);
          if (eventType == null) {
            throw new NotSerializableException("unknown search event type '" + type + "'");
          }
          return new JournalEvent.Logged(
              node.get("sequence").asLong(),
              Instant.parse(node.get("time").asText()),
              (SearchEvent) JSON.treeToValue(node.get("event"), eventType));
        }
        case MODEL -> {
          return new JournalEvent.ModelPublished(
              node.get("name").asText(), node.get("version").asLong());
        }
        case PAUSED -> {
          return new JournalEvent.Paused(node.get("paused").asBoolean());
        }
        case RESTORED -> {
          List<String> skipped = new ArrayList<>();
          node.get("skipped").forEach(s -> skipped.add(s.asText()));
          return new JournalEvent.Restored(node.get("sequence").asLong(), skipped);
        }
        default -> throw new NotSerializableException("unknown journal entry '" + manifest + "'");
      }
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      NotSerializableException wrapped =
          new NotSerializableException("unreadable journal entry '" + manifest + "': " + e);
      wrapped.initCause(e);
      throw wrapped;
    }
  }
}
