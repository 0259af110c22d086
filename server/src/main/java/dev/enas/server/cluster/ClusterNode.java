package dev.enas.server.cluster;

import dev.enas.server.actor.SearchManager;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.store.Journal;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's part in a cluster: the sharded search entities, the topic on which nodes tell each
 * other about new and deleted searches, the {@link SearchKeeper}, and joining the other nodes. It
 * is also the {@link SearchManager.Replication} of this node's manager.
 *
 * <p>Made before the actor system (the manager needs it), started after the manager has read the
 * journal.
 */
public final class ClusterNode implements SearchManager.Replication {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final ClusterSettings settings;
  private volatile ActorRef<Topic.Command<SearchNews>> topic;
  private volatile ClusterSharding sharding;

  public ClusterNode(ClusterSettings settings) {
    this.settings = settings;
  }

  public ClusterSettings settings() {
    return settings;
  }

  /**
   * Starts sharding the searches over the cluster, the topic and the keeper, and joins the seed
   * nodes (or, with none and {@code join} true, forms a cluster of this node alone).
   *
   * @param join false when something else joins the node to the cluster (bootstrap)
   */
  public void start(ActorSystem<SearchManager.Command> system, Journal journal, boolean join) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
                SearchEntity.TYPE_KEY,
                context ->
                    SearchEntity.create(
                        context.getEntityId(), system, context.getShard(), settings.askTimeout()))
            .withAllocationStrategy(new SearchPlacement(system, system, settings.askTimeout())));
    this.sharding = sharding;
    this.topic =
        system.systemActorOf(
            Topic.create(SearchNews.class, "enas-searches"), "search-news", Props.empty());
    system.systemActorOf(
        SearchKeeper.create(system, topic, sharding, journal, settings),
        "search-keeper",
        Props.empty());
    Cluster cluster = Cluster.get(system);
    if (!join) {
      return;
    }
    if (settings.seedNodes().isEmpty()) {
      log.info("no enas.cluster.seed-nodes: this node forms a cluster of its own");
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    } else {
      List<Address> seeds = settings.seedNodes().stream().map(AddressFromURIString::parse).toList();
      log.info("joining the cluster through {}", seeds);
      cluster.manager().tell(new JoinSeedNodes(seeds));
    }
  }

  /** The searches as this node serves them, reading from {@code local}. */
  public SearchBackend backend(SearchBackend local, ActorSystem<SearchManager.Command> system) {
    return new ClusterSearchBackend(local, system, system, sharding, settings.askTimeout());
  }

  @Override
  public void created(String id) {
    ActorRef<Topic.Command<SearchNews>> t = topic;
    if (t != null) {
      t.tell(Topic.publish(new SearchNews(SearchNews.Kind.CREATED, id)));
    }
  }

  @Override
  public void ended(String id) {
    ClusterSharding s = sharding;
    if (s != null) {
      s.entityRefFor(SearchEntity.TYPE_KEY, id).tell(new SearchEntity.Ended());
    }
  }

  @Override
  public void deleted(String id) {
    ActorRef<Topic.Command<SearchNews>> t = topic;
    if (t != null) {
      t.tell(Topic.publish(new SearchNews(SearchNews.Kind.DELETED, id)));
    }
  }
}
