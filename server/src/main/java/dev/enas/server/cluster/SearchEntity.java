package dev.enas.server.cluster;

import dev.enas.server.actor.SearchManager;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.domain.SearchInfo;
import dev.enas.spec.SearchSpec;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One search as Cluster Sharding places it: the entity lives on the node that runs the search, and
 * every create and control of the search reaches that node through it, whichever node the client
 * called. The search itself runs under the node's {@link SearchManager}; the entity makes sure the
 * manager has taken the search over ({@link SearchManager.Adopt}) before it passes a control on.
 * When the node dies, the next message for the search (the {@link SearchKeeper}'s reminders) starts
 * the entity on another node, whose manager resumes the search from the shared journal and
 * snapshots. Messages are handled one at a time; the rest wait.
 */
public final class SearchEntity {
  /** The sharded entity type of searches; the entity id is the search id. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "search");

  private static final int STASH_CAPACITY = 1_000;

  private SearchEntity() {}

  /** What the entity accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Create the search with this entity's id from {@code spec}. */
  public record Create(SearchSpec spec, ActorRef<Answer> replyTo) implements Command {
    public Create {
      Objects.requireNonNull(spec, "spec");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /** What a client may do to a search after creating it. */
  public enum Action {
    CANCEL,
    PAUSE,
    RESUME,
    DELETE
  }

  /** Cancel, pause, resume or delete the search; {@code reason} only for a cancel. */
  public record Control(Action action, String reason, ActorRef<Answer> replyTo) implements Command {
    public Control {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /**
   * The search must be running: a reminder sent for every unfinished search, which starts the
   * entity (and so the search) on a node when its old node is gone.
   */
  public record Ensure() implements Command {}

  /** The search has ended: the entity is not needed any more. */
  public record Ended() implements Command {}

  /**
   * The manager answered; {@code next} acts on it and says whether the entity is done with the
   * message it was handling (false: it asked the manager something more).
   */
  private record Answered(java.util.function.BooleanSupplier next) implements Command {}

  /**
   * @param id the search's id
   * @param manager the manager of the node the entity runs on
   * @param shard the entity's shard, told when the entity is no longer needed
   */
  public static Behavior<Command> create(
      String id,
      ActorRef<SearchManager.Command> manager,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration timeout) {
    return Behaviors.withStash(
        STASH_CAPACITY,
        stash ->
            Behaviors.setup(
                context ->
                    new SearchEntity.Instance(id, manager, shard, timeout, context, stash).idle()));
  }

  private static final class Instance {
    private final String id;
    private final ActorRef<SearchManager.Command> manager;
    private final ActorRef<ClusterSharding.ShardCommand> shard;
    private final Duration timeout;
    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private boolean leaving;

    Instance(
        String id,
        ActorRef<SearchManager.Command> manager,
        ActorRef<ClusterSharding.ShardCommand> shard,
        Duration timeout,
        ActorContext<Command> context,
        StashBuffer<Command> stash) {
      this.id = id;
      this.manager = manager;
      this.shard = shard;
      this.timeout = timeout;
      this.context = context;
      this.stash = stash;
    }

    Behavior<Command> idle() {
      return Behaviors.receive(Command.class)
          .onMessage(Create.class, this::onCreate)
          .onMessage(Control.class, this::onControl)
          .onMessage(Ensure.class, m -> onEnsure())
          .onMessage(
              Ended.class,
              m -> {
                leave();
                return Behaviors.same();
              })
          .build();
    }

    /** Waits for the manager's answer; everything else waits in the stash. */
    private Behavior<Command> busy() {
      return Behaviors.receive(Command.class)
          .onMessage(
              Answered.class,
              m -> m.next().getAsBoolean() ? stash.unstashAll(idle()) : Behaviors.same())
          .onAnyMessage(
              m -> {
                stash.stash(m);
                return Behaviors.same();
              })
          .build();
    }

    private Behavior<Command> onCreate(Create m) {
      askManager(
          replyTo -> new SearchManager.Create(m.spec(), id, narrow(replyTo)),
          reply -> {
            m.replyTo().tell(answer(reply));
            return true;
          },
          m.replyTo());
      return busy();
    }

    private Behavior<Command> onControl(Control m) {
      adopt(
          unfinished -> {
            control(m, unfinished);
            return false;
          },
          refusal -> {
            m.replyTo().tell(refusal);
            if ("NotFound".equals(refusal.kind())) {
              leave();
            }
            return true;
          });
      return busy();
    }

    /**
     * Passes a control on to the manager, which now runs the search; the entity of an ended search
     * leaves after answering.
     */
    private void control(Control m, boolean unfinished) {
      askManager(
          replyTo -> {
            ActorRef<SearchManager.Reply<SearchInfo>> r = narrow(replyTo);
            return switch (m.action()) {
              case CANCEL -> new SearchManager.Cancel(id, m.reason(), r);
              case PAUSE -> new SearchManager.Pause(id, r);
              case RESUME -> new SearchManager.Resume(id, r);
              case DELETE -> new SearchManager.Delete(id, r);
            };
          },
          reply -> {
            Answer answer = answer(reply);
            m.replyTo().tell(answer);
            if (!unfinished || m.action() == Action.DELETE && answer.ok()) {
              leave();
            }
            return true;
          },
          m.replyTo());
    }

    private Behavior<Command> onEnsure() {
      adopt(
          unfinished -> {
            if (!unfinished) {
              leave();
            }
            return true;
          },
          refusal -> {
            if ("NotFound".equals(refusal.kind())) {
              leave();
            }
            return true;
          });
      return busy();
    }

    /**
     * Makes sure this node's manager runs the search: {@code then} gets whether it is unfinished,
     * {@code refused} the refusal; each says whether the entity is done with its message.
     */
    private void adopt(Predicate<Boolean> then, Predicate<Answer> refused) {
      context.ask(
          SearchManager.Reply.class,
          manager,
          timeout,
          replyTo -> new SearchManager.Adopt(id, narrow(replyTo)),
          (reply, failure) -> {
            if (failure != null) {
              return new Answered(() -> refused.test(unanswered(failure)));
            }
            if (reply.error() != null) {
              return new Answered(() -> refused.test(Answer.of(reply.error())));
            }
            boolean unfinished = (Boolean) reply.value();
            return new Answered(() -> then.test(unfinished));
          });
    }

    /** Asks the manager; {@code then} acts on its reply, a timeout answers {@code replyTo}. */
    @SuppressWarnings("rawtypes")
    private void askManager(
        Function<ActorRef<SearchManager.Reply>, SearchManager.Command> message,
        Predicate<SearchManager.Reply<?>> then,
        ActorRef<Answer> replyTo) {
      context.ask(
          SearchManager.Reply.class,
          manager,
          timeout,
          message::apply,
          (reply, failure) ->
              new Answered(
                  () -> {
                    if (failure != null) {
                      replyTo.tell(unanswered(failure));
                      return true;
                    }
                    return then.test(reply);
                  }));
    }

    /** Asks the shard to stop this entity: its search has ended or is deleted, or never was. */
    private void leave() {
      if (!leaving) {
        leaving = true;
        shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> ActorRef<SearchManager.Reply<T>> narrow(ActorRef<SearchManager.Reply> ref) {
    return (ActorRef) ref;
  }

  private static Answer answer(SearchManager.Reply<?> reply) {
    return reply.error() != null ? Answer.of(reply.error()) : Answer.done();
  }

  private static Answer unanswered(Throwable failure) {
    return Answer.of(
        new SearchBackendException.FailedPrecondition(
            "cluster", "the node running the search did not answer in time: " + failure));
  }
}
