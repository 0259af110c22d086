package dev.enas.server.actor;

import dev.enas.data.Batch;
import dev.enas.space.Architecture;
import dev.enas.space.SearchSpace;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.SgdSettings;
import dev.enas.supernet.StepResult;
import dev.enas.supernet.Supernet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns one search's shared weights (the {@link Supernet}) and their version: the only place they
 * change. Runs on the device dispatcher, whose single thread does all DJL work of the device, one
 * message at a time and in turn with every other search's actors there. Closes the supernet's
 * native memory when it stops.
 */
public final class WeightStore {
  private WeightStore() {}

  /** What the weight store accepts. */
  public sealed interface Command {}

  /** Train {@code child} on one minibatch at {@code learningRate}. */
  public record Train(Architecture child, Batch batch, double learningRate,
      ActorRef<Trained> replyTo) implements Command {}

  /** The child's accuracy on one minibatch, changing nothing. */
  public record Evaluate(Architecture child, Batch batch, ActorRef<Evaluated> replyTo)
      implements Command {}

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

  /** A reward, or the reason evaluating failed. */
  public record Evaluated(double accuracy, String error) {
    public boolean failed() {
      return error != null;
    }
  }

  /** Builds the supernet when the actor starts, on the device thread. */
  public static Behavior<Command> create(
      SearchSpace space, NetworkSpec network, SgdSettings sgd, long seed) {
    return Behaviors.setup(context -> {
      Supernet supernet = Supernet.create(space, network, sgd, seed);
      long[] version = {0};
      return Behaviors.receive(Command.class)
          .onMessage(Train.class, m -> {
            StepResult r;
            try {
              r = supernet.trainStep(
                  m.child(), m.batch().images(), m.batch().labels(), m.learningRate());
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
              m.replyTo().tell(new Evaluated(
                  supernet.evaluate(m.child(), m.batch().images(), m.batch().labels()), null));
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
