package dev.enas.server.actor;

import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.train.RewardEvaluator;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Rewards sampled children on validation minibatches through the {@link WeightStore}: the next
 * minibatch for controller training, one fixed minibatch for derivation. Runs on the blocking
 * dispatcher, since waiting for a batch may block. Closes its batch iterator when it stops.
 */
public final class Evaluator {
  private Evaluator() {}

  /** What the evaluator accepts. */
  public sealed interface Command {}

  /** Reward {@code child} on the next validation minibatch. */
  public record Reward(Architecture child, ActorRef<Rewarded> replyTo) implements Command {}

  /** Reward {@code child} on the fixed minibatches all derivation candidates share. */
  public record RewardOnFixedBatch(Architecture child, ActorRef<Rewarded> replyTo)
      implements Command {}

  /** A reward, or the reason it could not be computed. */
  public record Rewarded(Architecture child, double reward, String error) {
    public boolean failed() {
      return error != null;
    }
  }

  private record StoreReplied(WeightStore.Evaluated evaluated, Throwable failure,
      Architecture child, ActorRef<Rewarded> replyTo) implements Command {}

  /**
   * @param rewards the validation batches; owned from now on
   * @param askTimeout how long one evaluation on the device may take, queueing included
   */
  public static Behavior<Command> create(
      RewardEvaluator rewards, ActorRef<WeightStore.Command> store, Duration askTimeout) {
    return Behaviors.setup(context -> {
      class Asker {
        void ask(Architecture child, MiniBatch batch, boolean fixed, ActorRef<Rewarded> replyTo) {
          context.ask(WeightStore.Evaluated.class, store, askTimeout,
              ref -> new WeightStore.Evaluate(child, batch, fixed, ref),
              (evaluated, failure) -> new StoreReplied(evaluated, failure, child, replyTo));
        }
      }
      Asker asker = new Asker();
      return Behaviors.receive(Command.class)
          .onMessage(Reward.class, m -> {
            asker.ask(m.child(), rewards.nextBatch(), false, m.replyTo());
            return Behaviors.same();
          })
          .onMessage(RewardOnFixedBatch.class, m -> {
            Architecture child = m.child();
            context.ask(WeightStore.Evaluated.class, store, askTimeout,
                ref -> new WeightStore.EvaluateFixed(child, rewards.fixedBatches(), ref),
                (evaluated, failure) -> new StoreReplied(evaluated, failure, child, m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(StoreReplied.class, m -> {
            if (m.failure() != null) {
              m.replyTo().tell(new Rewarded(m.child(), Double.NaN, "evaluation failed: " + m.failure()));
            } else if (m.evaluated().failed()) {
              m.replyTo().tell(new Rewarded(m.child(), Double.NaN, m.evaluated().error()));
            } else {
              m.replyTo().tell(new Rewarded(m.child(), m.evaluated().reward(), null));
            }
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            rewards.close();
            return Behaviors.same();
          })
          .build();
    });
  }
}
