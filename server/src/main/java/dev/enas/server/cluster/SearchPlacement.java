package dev.enas.server.cluster;

import dev.enas.server.actor.SearchManager;
import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchInfo;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.typed.Cluster;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Where Cluster Sharding puts a new search: on the node with the most free search slots. Each
 * search is its own shard, so a node's busy slots are its shards whose search is unfinished (as
 * this node's replica of the search list says; a search it does not know yet is taken as busy,
 * being new). A node offers the slots its role {@code enas-slots-N} names ({@code
 * enas.max-concurrent-searches} of that node). Ties go to the node with fewer shards, then to the
 * lower address, so placement is deterministic. Shards are never moved while their node lives: a
 * running search would lose the steps since its last snapshot for nothing.
 */
final class SearchPlacement extends ShardCoordinator.AbstractShardAllocationStrategy {
  /** The role prefix by which a node offers its search slots. */
  static final String SLOTS_ROLE = "enas-slots-";

  private final ActorSystem<?> system;
  private final org.apache.pekko.actor.typed.ActorRef<SearchManager.Command> manager;
  private final Duration timeout;

  SearchPlacement(
      ActorSystem<?> system,
      org.apache.pekko.actor.typed.ActorRef<SearchManager.Command> manager,
      Duration timeout) {
    this.system = system;
    this.manager = manager;
    this.timeout = timeout;
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    CompletionStage<ActorRef> chosen =
        endedSearches()
            .exceptionally(failure -> Set.of())
            .thenApply(ended -> choose(requester, current, ended));
    return FutureConverters.asScala(chosen);
  }

  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> current, Set<String> rebalanceInProgress) {
    return Future.successful(Collections.emptySet());
  }

  /** The region to place a new search in, given which searches have ended. */
  private ActorRef choose(
      ActorRef requester, Map<ActorRef, IndexedSeq<String>> current, Set<String> ended) {
    Map<ActorRef, List<String>> shards = new java.util.HashMap<>();
    current.forEach(
        (region, ids) -> shards.put(region, scala.jdk.javaapi.CollectionConverters.asJava(ids)));
    return choose(requester, shards, ended, region -> addressOf(region).toString(), this::capacity);
  }

  /**
   * The region with the most free slots ({@code capacity} minus its shards whose search has not
   * ended), then the fewest shards, then the lowest address; {@code requester} when there is no
   * region yet.
   */
  static ActorRef choose(
      ActorRef requester,
      Map<ActorRef, List<String>> shards,
      Set<String> ended,
      java.util.function.Function<ActorRef, String> address,
      java.util.function.ToLongFunction<ActorRef> capacity) {
    if (shards.isEmpty()) {
      return requester;
    }
    List<Slot> slots =
        shards.entrySet().stream()
            .map(
                e -> {
                  long busy = e.getValue().stream().filter(s -> !ended.contains(s)).count();
                  return new Slot(
                      e.getKey(),
                      address.apply(e.getKey()),
                      capacity.applyAsLong(e.getKey()) - busy,
                      e.getValue().size());
                })
            .collect(Collectors.toList());
    slots.sort(
        Comparator.comparingLong(Slot::free)
            .reversed()
            .thenComparingInt(Slot::shards)
            .thenComparing(Slot::address));
    return slots.get(0).region();
  }

  private record Slot(ActorRef region, String address, long free, int shards) {}

  private Address addressOf(ActorRef region) {
    Address address = region.path().address();
    return address.hasLocalScope() ? Cluster.get(system).selfMember().address() : address;
  }

  /** The slots a region's node offers: its role's count, or 1 for a node that names none. */
  private long capacity(ActorRef region) {
    Address address = addressOf(region);
    Optional<Member> member =
        scala.jdk.javaapi.CollectionConverters.asJava(Cluster.get(system).state().members())
            .stream()
            .filter(m -> m.address().equals(address))
            .findFirst();
    return member
        .flatMap(
            m ->
                m.getRoles().stream()
                    .filter(r -> r.startsWith(SLOTS_ROLE))
                    .map(r -> Long.parseLong(r.substring(SLOTS_ROLE.length())))
                    .findFirst())
        .orElse(1L);
  }

  /** The searches this node knows to have ended. */
  private CompletionStage<Set<String>> endedSearches() {
    CompletableFuture<Set<String>> ended = new CompletableFuture<>();
    collect(0, new HashSet<>(), ended);
    return ended;
  }

  private void collect(long cursor, Set<String> into, CompletableFuture<Set<String>> done) {
    AskPattern.<SearchManager.Command, SearchManager.Reply<Page<SearchInfo>>>ask(
            manager,
            replyTo -> new SearchManager.ListSearches(1000, cursor, Set.of(), replyTo),
            timeout,
            system.scheduler())
        .whenComplete(
            (reply, failure) -> {
              if (failure != null || reply.error() != null) {
                done.completeExceptionally(
                    failure != null ? failure : new IllegalStateException(reply.error()));
                return;
              }
              for (SearchInfo info : reply.value().items()) {
                if (info.phase().isTerminal()) {
                  into.add(info.id());
                }
              }
              if (reply.value().nextCursor() == 0) {
                done.complete(into);
              } else {
                collect(reply.value().nextCursor(), into, done);
              }
            });
  }
}
