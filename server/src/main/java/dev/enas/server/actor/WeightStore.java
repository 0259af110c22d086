package dev.enas.server.actor;

import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StepResult;
import dev.enas.supernet.Supernet;
import dev.enas.train.RewardEvaluator;
import dev.enas.train.SharedModel;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns one search's shared weights (a {@link SharedModel}: the convolutional {@link Supernet} or
 * the recurrent one) and their version: the only place they change. Runs on the device dispatcher, whose single thread does all DJL work of the device, one
 * message at a time and in turn with every other search's actors there. Closes the supernet's
 * native memory when it stops.
 */
public final class WeightStore {
  private WeightStore() {}

  /** What the weight store accepts. */
  public sealed interface Command {}

  /** Train {@code child} on one minibatch at {@code learningRate}. */
  public record Train(Architecture child, MiniBatch batch, double learningRate,
      ActorRef<Trained> replyTo) implements Command {}

  /**
   * The child's reward on one minibatch, changing no weight; {@code fixed} scores it from a clean
   * state so that children scored on the same batch compare on equal footing (derivation).
   */
  public record Evaluate(Architecture child, MiniBatch batch, boolean fixed,
      ActorRef<Evaluated> replyTo) implements Command {
    /** A reward in the search's running order. */
    public Evaluate(Architecture child, MiniBatch batch, ActorRef<Evaluated> replyTo) {
      this(child, batch, false, replyTo);
    }
  }

  /**
   * The child's mean reward over the minibatches every derivation candidate is scored on, each from
   * a clean state, changing no weight.
   */
  public record EvaluateFixed(Architecture child, List<MiniBatch> batches,
      ActorRef<Evaluated> replyTo) implements Command {
    public EvaluateFixed {
      batches = List.copyOf(batches);
    }
  }

  /**
   * The step's result and the weights' version after it (applied steps only count), or the
   * reason the step was refused (a batch or child the supernet does not take); nothing changed
   * then.
   */
  public record Trained(StepResult result, long version, String error) {
    public boolean failed() {
      return error != null;
    }
  }

  /** A reward (accuracy, or 80 / perplexity), or the reason evaluating failed. */
  public record Evaluated(double reward, String error) {
    public boolean failed() {
      return error != null;
    }
  }

  /** A convolutional supernet built when the actor starts, on the device thread. */
  public static Behavior<Command> create(
      SearchSpace space, NetworkSpec network, SgdSettings sgd, long seed) {
    return create(() -> SharedModel.of(Supernet.create(space, network, sgd, seed)));
  }

  /** Builds the shared model when the actor starts, on the device thread. */
  public static Behavior<Command> create(Supplier<SharedModel> factory) {
    return Behaviors.setup(context -> {
      SharedModel supernet = factory.get();
      long[] version = {0};
      return Behaviors.receive(Command.class)
          .onMessage(Train.class, m -> {
            StepResult r;
            try {
              r = supernet.train(m.child(), m.batch(), m.learningRate());
            } catch (RuntimeException e) {
              m.replyTo().tell(new Trained(null, version[0], String.valueOf(e.getMessage())));
              return Behaviors.same();
            }
            if (r.applied()) {
              version[0]++;
            }
            m.replyTo().tell(new Trained(r, version[0], null));
            return Behaviors.same();
          })
          .onMessage(Evaluate.class, m -> {
            try {
              m.replyTo().tell(new Evaluated(m.fixed()
                  ? supernet.fixedReward(m.child(), m.batch())
                  : supernet.reward(m.child(), m.batch()), null));
            } catch (RuntimeException e) {
              m.replyTo().tell(new Evaluated(Double.NaN, e.toString()));
            }
            return Behaviors.same();
          })
          .onMessage(EvaluateFixed.class, m -> {
            try {
              m.replyTo().tell(new Evaluated(
                  RewardEvaluator.meanFixedReward(supernet, m.child(), m.batches()), null));
            } catch (RuntimeException e) {
              m.replyTo().tell(new Evaluated(Double.NaN, e.toString()));
            }
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            supernet.close();
            return Behaviors.same();
          })
          .build();
    });
  }
}
