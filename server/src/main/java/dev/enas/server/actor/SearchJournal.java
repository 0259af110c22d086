package dev.enas.server.actor;

import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalEvent;
import dev.enas.train.SearchEvent;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The event-sourced writer of one search's journal: persists the entries its {@link SearchRecord}
 * hands it, one after another in the order they come, so the journal is always a prefix of what the
 * search emitted. The coordinator never waits for it; a crash loses at most the entries not yet
 * written, and those are computed again on the next start. Once the search's terminal event is
 * written it tells the manager, which then drops the search's log from the heap and stops the
 * writer.
 *
 * <p>A write that fails stops the writer (Pekko's rule for journal failures): the journal then
 * keeps the prefix written so far, which recovery continues from; the manager notices the stop.
 */
final class SearchJournal
    extends EventSourcedBehavior<SearchJournal.Command, JournalEvent, SearchJournal.State> {

  /** What the writer accepts. */
  sealed interface Command {}

  /** Persist one entry after those before it. */
  record Write(JournalEvent entry) implements Command {}

  /** Answers once every entry sent before it is written. */
  record Flush(ActorRef<Done> replyTo) implements Command {}

  /** How much of the search is written: entries, and whether its end is among them. */
  record State(long entries, boolean ended) {}

  private final String searchId;
  private final ActorRef<SearchManager.Command> manager;

  /**
   * @param manager told {@link SearchManager.JournalSettled} once the search's end is written
   */
  static Behavior<Command> create(String searchId, ActorRef<SearchManager.Command> manager) {
    return Behaviors.setup(context -> new SearchJournal(searchId, manager));
  }

  private SearchJournal(String searchId, ActorRef<SearchManager.Command> manager) {
    super(PersistenceId.ofUniqueId(Journal.persistenceId(searchId)));
    this.searchId = searchId;
    this.manager = manager;
  }

  @Override
  public State emptyState() {
    return new State(0, false);
  }

  @Override
  public CommandHandler<Command, JournalEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Write.class,
            (state, write) -> {
              if (write.entry() instanceof JournalEvent.Logged logged && isTerminal(logged)) {
                return Effect()
                    .persist(write.entry())
                    .thenRun(after -> manager.tell(new SearchManager.JournalSettled(searchId)));
              }
              return Effect().persist(write.entry());
            })
        // Commands wait while a write is under way, so this runs after every earlier write.
        .onCommand(
            Flush.class,
            (state, flush) ->
                Effect().none().thenRun(after -> flush.replyTo().tell(Done.getInstance())))
        .build();
  }

  @Override
  public EventHandler<State, JournalEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, entry) ->
                new State(
                    state.entries() + 1,
                    state.ended()
                        || entry instanceof JournalEvent.Logged logged && isTerminal(logged)));
  }

  static boolean isTerminal(JournalEvent.Logged logged) {
    SearchEvent event = logged.event();
    return event instanceof SearchEvent.Finished
        || event instanceof SearchEvent.Failed
        || event instanceof SearchEvent.Cancelled;
  }
}
