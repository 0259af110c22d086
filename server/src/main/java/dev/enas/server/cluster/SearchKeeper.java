package dev.enas.server.cluster;

import dev.enas.server.actor.SearchManager;
import dev.enas.server.store.Journal;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps one node's view of the cluster's searches whole and every unfinished search running:
 *
 * <ul>
 *   <li>news from the other nodes ({@link SearchNews}) becomes a replica, or drops one;
 *   <li>every {@code ensure-interval}, and at once when a node leaves the cluster, each unfinished
 *       search this node only replicates gets an {@link SearchEntity.Ensure}: where its entity
 *       lives that changes nothing, and where its node is gone it starts the entity, and so the
 *       search, on a node with a free slot;
 *   <li>every {@code sweep-interval} the journal's search ids are compared with the node's, for
 *       news that was lost (a node that joined late, a message dropped on the way).
 * </ul>
 */
final class SearchKeeper {
  private SearchKeeper() {}

  interface Command {}

  private record News(SearchNews news) implements Command {}

  private record MemberGone(ClusterEvent.MemberRemoved removed) implements Command {}

  private enum Tick implements Command {
    ENSURE,
    SWEEP
  }

  private record Orphans(List<String> ids) implements Command {}

  private record Swept(List<String> ids) implements Command {}

  static Behavior<Command> create(
      ActorRef<SearchManager.Command> manager,
      ActorRef<Topic.Command<SearchNews>> topic,
      ClusterSharding sharding,
      Journal journal,
      ClusterSettings settings) {
    return Behaviors.setup(
        context -> {
          topic.tell(Topic.subscribe(context.messageAdapter(SearchNews.class, News::new)));
          Cluster.get(context.getSystem())
              .subscriptions()
              .tell(
                  Subscribe.create(
                      context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberGone::new),
                      ClusterEvent.MemberRemoved.class));
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Tick.ENSURE, settings.ensureInterval());
                timers.startTimerWithFixedDelay(Tick.SWEEP, settings.sweepInterval());
                Duration timeout = settings.askTimeout();
                return Behaviors.receive(Command.class)
                    .onMessage(
                        News.class,
                        m -> {
                          SearchNews news = m.news();
                          manager.tell(
                              news.kind() == SearchNews.Kind.CREATED
                                  ? new SearchManager.Discover(news.id(), null)
                                  : new SearchManager.Forget(news.id()));
                          return Behaviors.same();
                        })
                    .onMessage(
                        MemberGone.class,
                        m -> {
                          context
                              .getLog()
                              .info(
                                  "node {} left the cluster; its searches move to the others",
                                  m.removed().member().address());
                          context.getSelf().tell(Tick.ENSURE);
                          return Behaviors.same();
                        })
                    .onMessageEquals(
                        Tick.ENSURE,
                        () -> {
                          context.ask(
                              List.class,
                              manager,
                              timeout,
                              replyTo -> new SearchManager.Orphans(strings(replyTo)),
                              (ids, failure) ->
                                  new Orphans(ids == null ? List.of() : strings(ids)));
                          return Behaviors.same();
                        })
                    .onMessage(
                        Orphans.class,
                        m -> {
                          for (String id : m.ids()) {
                            sharding
                                .entityRefFor(SearchEntity.TYPE_KEY, id)
                                .tell(new SearchEntity.Ensure());
                          }
                          return Behaviors.same();
                        })
                    .onMessageEquals(
                        Tick.SWEEP,
                        () -> {
                          context.pipeToSelf(
                              journal.searchIds(),
                              (ids, failure) -> new Swept(ids == null ? List.of() : ids));
                          return Behaviors.same();
                        })
                    .onMessage(
                        Swept.class,
                        m -> {
                          m.ids().forEach(id -> manager.tell(new SearchManager.Discover(id, null)));
                          return Behaviors.same();
                        })
                    .build();
              });
        });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ActorRef<List<String>> strings(ActorRef<List> ref) {
    return (ActorRef) ref;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<String> strings(List ids) {
    return (List<String>) ids;
  }
}
