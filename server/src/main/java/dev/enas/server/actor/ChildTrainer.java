package dev.enas.server.actor;

import dev.enas.data.MiniBatch;
import dev.enas.space.Architecture;
import dev.enas.train.SharedTraining;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Trains sampled children, one minibatch each, on the {@link WeightStore}'s weights: takes the
 * next prepared training batch (the batch iterator keeps the following ones ready on another
 * thread), puts it on the learning-rate schedule and hands it to the weight store. Runs on the
 * blocking dispatcher, since waiting for a batch may block. Closes its batch iterator when it stops.
 */
public final class ChildTrainer {
  private ChildTrainer() {}

  /** What the child trainer accepts. */
  public sealed interface Command {}

  /** Train {@code child} as step {@code stepInEpoch} of search epoch {@code epoch}. */
  public record TrainChild(Architecture child, int epoch, int stepInEpoch,
      ActorRef<ChildTrained> replyTo) implements Command {}

  /** The step as the engine reports it, or the reason it could not run. */
  public record ChildTrained(SharedTraining.Outcome outcome, String error) {
    public boolean failed() {
      return error != null;
    }
  }

  private record StoreReplied(
      WeightStore.Trained trained, Throwable failure, double learningRate,
      ActorRef<ChildTrained> replyTo) implements Command {}

  /**
   * @param training the schedule and batches; owned from now on
   * @param askTimeout how long one step on the device may take, queueing included
   */
  public static Behavior<Command> create(SharedTraining training,
      ActorRef<WeightStore.Command> store, Duration askTimeout) {
    return Behaviors.setup(context -> Behaviors.receive(Command.class)
        .onMessage(TrainChild.class, m -> {
          MiniBatch batch = training.nextBatch();
          double lr = training.learningRate(m.epoch(), m.stepInEpoch());
          context.ask(WeightStore.Trained.class, store, askTimeout,
              replyTo -> new WeightStore.Train(m.child(), batch, lr, replyTo),
              (trained, failure) -> new StoreReplied(trained, failure, lr, m.replyTo()));
          return Behaviors.same();
        })
        .onMessage(StoreReplied.class, m -> {
          if (m.failure() != null) {
            m.replyTo().tell(new ChildTrained(null, "shared-weight step failed: " + m.failure()));
          } else if (m.trained().failed()) {
            m.replyTo().tell(new ChildTrained(null,
                "shared-weight step refused: " + m.trained().error()));
          } else {
            m.replyTo().tell(new ChildTrained(
                training.record(m.trained().result(), m.learningRate()), null));
          }
          return Behaviors.same();
        })
        .onSignal(PostStop.class, signal -> {
          training.close();
          return Behaviors.same();
        })
        .build());
  }
}
