package dev.enas.server.actor;

import dev.enas.controller.Controller;
import dev.enas.controller.Reward;
import dev.enas.controller.Sample;
import dev.enas.controller.UpdateResult;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns one search's policy: answers sample requests with architectures and their
 * log-probabilities, and updates the policy from batches of rewards. The policy is plain Java,
 * so this actor never touches the device.
 */
public final class ControllerActor {
  private ControllerActor() {}

  /** What the controller accepts. */
  public sealed interface Command {}

  /** Draw one child from the current policy. */
  public record SampleChild(ActorRef<Sampled> replyTo) implements Command {}

  /** Draw one child uniformly at random, for a warm-up epoch; the policy does not change. */
  public record SampleUniform(ActorRef<Sampled> replyTo) implements Command {}

  /** One REINFORCE update from rewarded children. */
  public record Update(List<Reward> rewards, ActorRef<UpdateReply> replyTo) implements Command {}

  /** The policy's most probable child (derive.selection most-probable); draws nothing. */
  public record SampleMostProbable(ActorRef<Sampled> replyTo) implements Command {}

  /** A drawn child. */
  public record Sampled(Sample sample) {}

  /** The answer to an update: done, or refused with the reason. */
  public sealed interface UpdateReply {}

  /** The update was applied. */
  public record Updated(UpdateResult result) implements UpdateReply {}

  /** The update was refused (an empty batch or a child of another space). */
  public record UpdateRejected(String reason) implements UpdateReply {}

  /**
   * @param controller the learning policy
   * @param warmup the uniform sampler of the warm-up epochs ({@code Controllers.warmup})
   */
  public static Behavior<Command> create(Controller controller, Controller warmup) {
    return Behaviors.receive(Command.class)
        .onMessage(SampleChild.class, m -> {
          m.replyTo().tell(new Sampled(controller.sample()));
          return Behaviors.same();
        })
        .onMessage(SampleUniform.class, m -> {
          m.replyTo().tell(new Sampled(warmup.sample()));
          return Behaviors.same();
        })
        .onMessage(SampleMostProbable.class, m -> {
          m.replyTo().tell(new Sampled(controller.mostProbable()));
          return Behaviors.same();
        })
        .onMessage(Update.class, m -> {
          try {
            m.replyTo().tell(new Updated(controller.update(m.rewards())));
          } catch (IllegalArgumentException e) {
            m.replyTo().tell(new UpdateRejected(e.getMessage()));
          }
          return Behaviors.same();
        })
        .build();
  }
}
