package dev.enas.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Where a new search goes: the node with the most free slots, ties broken the same way always. */
class SearchPlacementTest {
  private static ActorTestKit kit;
  private static ActorRef a;
  private static ActorRef b;
  private static ActorRef c;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("placement", ConfigFactory.load());
    a = Adapter.toClassic(kit.createTestProbe("a").getRef());
    b = Adapter.toClassic(kit.createTestProbe("b").getRef());
    c = Adapter.toClassic(kit.createTestProbe("c").getRef());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ActorRef choose(
      Map<ActorRef, List<String>> shards, Set<String> ended, Map<ActorRef, Long> capacity) {
    return SearchPlacement.choose(a, shards, ended, region -> region.path().name(), capacity::get);
  }

  private static Map<ActorRef, List<String>> shards(
      List<String> ofA, List<String> ofB, List<String> ofC) {
    Map<ActorRef, List<String>> shards = new LinkedHashMap<>();
    shards.put(a, ofA);
    shards.put(b, ofB);
    shards.put(c, ofC);
    return shards;
  }

  @Test
  void aNewSearchGoesToTheNodeWithTheMostFreeSlots() {
    Map<ActorRef, Long> two = Map.of(a, 2L, b, 2L, c, 2L);
    assertThat(choose(shards(List.of("s1"), List.of(), List.of("s2")), Set.of(), two)).isEqualTo(b);
    // Ended searches free their slots: b's two have ended, a and c each run one.
    assertThat(
            choose(
                shards(List.of("s1"), List.of("old1", "old2"), List.of("s2")),
                Set.of("old1", "old2"),
                two))
        .isEqualTo(b);
    // A node that offers more slots takes more searches.
    assertThat(
            choose(
                shards(List.of("s1"), List.of("s2"), List.of("s3", "s4")),
                Set.of(),
                Map.of(a, 1L, b, 1L, c, 4L)))
        .isEqualTo(c);
  }

  @Test
  void tiesGoToFewerShardsThenToTheLowerAddress() {
    Map<ActorRef, Long> two = Map.of(a, 2L, b, 2L, c, 2L);
    // Equal free slots; c has fewer shards in all (its ended ones count for the tie).
    assertThat(
            choose(
                shards(List.of("x1", "x2"), List.of("y1", "y2"), List.of()),
                Set.of("x1", "x2", "y1", "y2"),
                two))
        .isEqualTo(c);
    assertThat(choose(shards(List.of(), List.of(), List.of()), Set.of(), two)).isEqualTo(a);
  }

  @Test
  void aFullClusterStillPlacesTheSearchWhereTheLeastIsRunning() {
    // Every slot is taken: the search goes where the fewest run, and that node refuses it with
    // RESOURCE_EXHAUSTED if it is still full when the search arrives.
    assertThat(
            choose(
                shards(List.of("1", "2"), List.of("3"), List.of("4", "5")),
                Set.of(),
                Map.of(a, 1L, b, 1L, c, 1L)))
        .isEqualTo(b);
  }

  @Test
  void theFirstSearchOfTheClusterGoesToWhoeverAsked() {
    assertThat(SearchPlacement.choose(b, Map.of(), Set.of(), r -> "", r -> 1)).isEqualTo(b);
  }
}
