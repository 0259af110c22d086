package dev.enas.server.actor;

import dev.enas.space.Architecture;
import dev.enas.spec.SearchSpec;
import dev.enas.train.Retraining;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Retrains the derived child from scratch on the device dispatcher, one minibatch per message, so
 * other searches' steps interleave with it instead of waiting for the whole retraining. Reports
 * each epoch and the final result to its parent, and closes the network when it stops.
 */
public final class FinalTrainer {
  private FinalTrainer() {}

  /** What the final trainer accepts (only its own step messages). */
  public sealed interface Command {}

  private record Step(int epoch, int stepInEpoch) implements Command {}

  /** What the final trainer tells its parent. */
  public sealed interface Report {}

  /** An epoch of retraining ended. */
  public record EpochDone(SearchEvent.FinalTrainingProgress progress) implements Report {}

  /** Retraining ended with the child's test accuracy. */
  public record Done(Retraining.Result result) implements Report {}

  /** Retraining failed. */
  public record RetrainingFailed(String reason) implements Report {}

  public static Behavior<Command> create(
      Architecture child, SearchData data, SearchSpec spec, ActorRef<Report> parent) {
    return Behaviors.setup(context -> {
      Retraining retraining;
      try {
        retraining = new Retraining(child, data, spec);
      } catch (RuntimeException e) {
        parent.tell(new RetrainingFailed("building the final network failed: " + e.getMessage()));
        return Behaviors.stopped();
      }
      context.getSelf().tell(new Step(0, 0));
      return Behaviors.receive(Command.class)
          .onMessage(Step.class, m -> {
            try {
              retraining.step(m.epoch(), m.stepInEpoch());
              int next = m.stepInEpoch() + 1;
              if (next < retraining.stepsPerEpoch()) {
                context.getSelf().tell(new Step(m.epoch(), next));
                return Behaviors.same();
              }
              parent.tell(new EpochDone(retraining.endEpoch(m.epoch())));
              if (m.epoch() + 1 < retraining.epochs()) {
                context.getSelf().tell(new Step(m.epoch() + 1, 0));
                return Behaviors.same();
              }
              parent.tell(new Done(retraining.test()));
            } catch (RuntimeException e) {
              parent.tell(new RetrainingFailed(e.getMessage() != null ? e.getMessage()
                  : e.getClass().getSimpleName()));
            }
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, signal -> {
            retraining.close();
            return Behaviors.same();
          })
          .build();
    });
  }
}
