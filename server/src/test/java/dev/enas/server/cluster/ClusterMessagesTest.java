package dev.enas.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.spec.FieldViolation;
import dev.enas.spec.SearchSpec;
import java.io.NotSerializableException;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What nodes send each other survives the wire: every message through the serializer the server's
 * configuration binds to it, and every refusal an owning node gives comes out on the calling node
 * as the same exception with the same fields (so the same status and details).
 */
class ClusterMessagesTest {
  private static ActorTestKit kit;
  private static ClusterSerializer serializer;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("cluster-messages", ConfigFactory.load());
    serializer = new ClusterSerializer((ExtendedActorSystem) Adapter.toClassic(kit.system()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Object roundTrip(Object message) throws NotSerializableException {
    return serializer.fromBinary(serializer.toBinary(message), serializer.manifest(message));
  }

  @Test
  void theServersConfigurationWritesClusterMessagesWithTheClusterSerializer() {
    Serializer chosen =
        SerializationExtension.get(Adapter.toClassic(kit.system()))
            .findSerializerFor(new SearchNews(SearchNews.Kind.CREATED, "s"));
    assertThat(chosen).isInstanceOf(ClusterSerializer.class);
  }

  @Test
  void aCreateKeepsItsSpecAndItsReplyAddress() throws Exception {
    TestProbe<Answer> probe = kit.createTestProbe();
    SearchSpec spec = SearchSpec.smoke("micro", 77);
    Object back = roundTrip(new SearchEntity.Create(spec, probe.getRef()));
    assertThat(back).isInstanceOf(SearchEntity.Create.class);
    SearchEntity.Create create = (SearchEntity.Create) back;
    assertThat(create.spec()).isEqualTo(spec);
    create.replyTo().tell(Answer.done());
    assertThat(probe.receiveMessage().ok()).isTrue();
  }

  @Test
  void controlsEnsureEndedAndNewsComeBackEqual() throws Exception {
    TestProbe<Answer> probe = kit.createTestProbe();
    for (SearchEntity.Action action : SearchEntity.Action.values()) {
      SearchEntity.Control control =
          new SearchEntity.Control(action, "why: " + action, probe.getRef());
      assertThat(roundTrip(control)).isEqualTo(control);
    }
    assertThat(roundTrip(new SearchEntity.Ensure())).isEqualTo(new SearchEntity.Ensure());
    assertThat(roundTrip(new SearchEntity.Ended())).isEqualTo(new SearchEntity.Ended());
    for (SearchNews.Kind kind : SearchNews.Kind.values()) {
      SearchNews news = new SearchNews(kind, "search-\u00e9-1");
      assertThat(roundTrip(news)).isEqualTo(news);
    }
  }

  @Test
  void everyRefusalComesBackAsTheSameExceptionWithTheSameFields() throws Exception {
    List<SearchBackendException> refusals =
        List.of(
            SearchBackendException.NotFound.search("gone"),
            SearchBackendException.AlreadyExists.search("taken"),
            new SearchBackendException.PermissionDenied("another's search"),
            new SearchBackendException.FailedPrecondition("search 'x'", "it has ended"),
            new SearchBackendException.ResourceExhausted(
                "running searches", 3, "enas.max-concurrent-searches"),
            new SearchBackendException.InvalidSpec(
                List.of(
                    new FieldViolation("controller.learningRate", "must be in (0, 1]"),
                    new FieldViolation("data.dataset", "unknown"))),
            new SearchBackendException.InvalidArgument("search_id", "is required"));
    for (SearchBackendException refusal : refusals) {
      Answer answer = (Answer) roundTrip(Answer.of(refusal));
      assertThat(answer.ok()).isFalse();
      SearchBackendException back = answer.refusal();
      assertThat(back).isExactlyInstanceOf(refusal.getClass()).hasMessage(refusal.getMessage());
      if (refusal instanceof SearchBackendException.NotFound n) {
        SearchBackendException.NotFound b = (SearchBackendException.NotFound) back;
        assertThat(b.resourceType()).isEqualTo(n.resourceType());
        assertThat(b.resourceName()).isEqualTo(n.resourceName());
      }
      if (refusal instanceof SearchBackendException.FailedPrecondition f) {
        assertThat(((SearchBackendException.FailedPrecondition) back).subject())
            .isEqualTo(f.subject());
      }
      if (refusal instanceof SearchBackendException.ResourceExhausted r) {
        assertThat(((SearchBackendException.ResourceExhausted) back).limit()).isEqualTo(r.limit());
      }
      if (refusal instanceof SearchBackendException.InvalidSpec i) {
        assertThat(((SearchBackendException.InvalidSpec) back).violations())
            .isEqualTo(i.violations());
      }
      if (refusal instanceof SearchBackendException.InvalidArgument i) {
        assertThat(((SearchBackendException.InvalidArgument) back).violations())
            .isEqualTo(i.violations());
      }
    }
    assertThat(((Answer) roundTrip(Answer.done())).ok()).isTrue();
    assertThatThrownBy(() -> Answer.done().refusal()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anUnknownOrDamagedMessageIsRefusedNamingIt() {
    assertThatThrownBy(() -> serializer.fromBinary(new byte[] {'{', '}'}, "launch"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("'launch'");
    assertThatThrownBy(() -> serializer.fromBinary("{\"kind\":\"EXPLODED\"}".getBytes(), "news"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("'news'");
  }
}
