package dev.enas.server.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.JournalSerializer;
import dev.enas.spec.FieldViolation;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Writes the messages nodes send each other ({@link ClusterMessage}) as JSON: the search spec the
 * way the journal writes it, actor references in Pekko's string form. Like the journal, the
 * manifest names the message, never a class, so no class is loaded from the wire.
 */
public final class ClusterSerializer extends SerializerWithStringManifest {
  /** Pekko's id for this serializer, unique among the system's serializers. */
  public static final int IDENTIFIER = 130_014;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  public ClusterSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof SearchEntity.Create) {
      return "create";
    }
    if (o instanceof SearchEntity.Control) {
      return "control";
    }
    if (o instanceof SearchEntity.Ensure) {
      return "ensure";
    }
    if (o instanceof SearchEntity.Ended) {
      return "ended";
    }
    if (o instanceof Answer) {
      return "answer";
    }
    if (o instanceof SearchNews) {
      return "news";
    }
    throw new IllegalArgumentException("not a cluster message: " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    ObjectNode node = JSON.createObjectNode();
    if (o instanceof SearchEntity.Create c) {
      node.put(
          "spec",
          JournalSerializer.toJson(new JournalEvent.Created("", 0, c.spec(), Instant.EPOCH)));
      node.put("replyTo", resolver().toSerializationFormat(c.replyTo()));
    } else if (o instanceof SearchEntity.Control c) {
      node.put("action", c.action().name());
      node.put("reason", c.reason());
      node.put("replyTo", resolver().toSerializationFormat(c.replyTo()));
    } else if (o instanceof Answer a) {
      node.put("kind", a.kind());
      node.put("message", a.message());
      node.put("subject", a.subject());
      node.put("resourceType", a.resourceType());
      node.put("resourceName", a.resourceName());
      node.put("resource", a.resource());
      node.put("limit", a.limit());
      node.put("setting", a.setting());
      ArrayNode violations = node.putArray("violations");
      for (FieldViolation v : a.violations()) {
        violations.addObject().put("field", v.field()).put("description", v.description());
      }
    } else if (o instanceof SearchNews n) {
      node.put("kind", n.kind().name());
      node.put("id", n.id());
    } else if (!(o instanceof SearchEntity.Ensure) && !(o instanceof SearchEntity.Ended)) {
      throw new IllegalArgumentException("not a cluster message: " + o.getClass().getName());
    }
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      JsonNode node = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
      return switch (manifest) {
        case "create" ->
            new SearchEntity.Create(
                ((JournalEvent.Created)
                        JournalSerializer.fromJson(node.get("spec").asText(), "created"))
                    .spec(),
                ref(node.get("replyTo").asText()));
        case "control" ->
            new SearchEntity.Control(
                SearchEntity.Action.valueOf(node.get("action").asText()),
                node.get("reason").asText(),
                ref(node.get("replyTo").asText()));
        case "ensure" -> new SearchEntity.Ensure();
        case "ended" -> new SearchEntity.Ended();
        case "answer" -> {
          List<FieldViolation> violations = new ArrayList<>();
          node.get("violations")
              .forEach(
                  v ->
                      violations.add(
                          new FieldViolation(
                              v.get("field").asText(), v.get("description").asText())));
          yield new Answer(
              node.get("kind").asText(),
              node.get("message").asText(),
              node.get("subject").asText(),
              node.get("resourceType").asText(),
              node.get("resourceName").asText(),
              node.get("resource").asText(),
              node.get("limit").asLong(),
              node.get("setting").asText(),
              violations);
        }
        case "news" ->
            new SearchNews(
                SearchNews.Kind.valueOf(node.get("kind").asText()), node.get("id").asText());
        default -> throw new NotSerializableException("unknown cluster message '" + manifest + "'");
      };
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      NotSerializableException wrapped =
          new NotSerializableException("unreadable cluster message '" + manifest + "': " + e);
      wrapped.initCause(e);
      throw wrapped;
    }
  }

  private <T> ActorRef<T> ref(String serialized) {
    return resolver().resolveActorRef(serialized);
  }
}
