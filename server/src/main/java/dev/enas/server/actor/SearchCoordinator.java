package dev.enas.server.actor;

import dev.enas.data.DataRoots;
import dev.enas.snapshot.SnapshotFormatException;
import dev.enas.snapshot.SnapshotStore;
import dev.enas.spec.SearchSpec;
import dev.enas.train.DevicePool;
import dev.enas.train.Phase;
import dev.enas.train.Retrainer;
import dev.enas.train.Retraining;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchRun;
import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one search by driving the engine's {@link SearchRun} a step at a time on the device thread,
 * publishing each step's events, so the server and the in-process {@code SearchLoop} run the same
 * algorithm by construction. The server adds what only it does: after the derived child is
 * retrained it exports the network to ONNX, checks the export in ONNX Runtime (phase EXPORTING) and
 * publishes the model before the search goes on, so a succeeded search always has a model to serve;
 * and it writes snapshots ({@link SnapshotSettings}) at step boundaries.
 *
 * <p>Each step is one task on the device dispatcher, so the steps of several searches interleave
 * there. Cancellation takes effect at the next step boundary; the run's native memory is released
 * on the device thread when the search ends or the coordinator stops.
 *
 * <p>A search recovered from the journal resumes from its newest snapshot that the journal covers
 * (its start when there is none); its record compares every event it emits for a journaled sequence
 * number with the journaled one (see {@link SearchRecord}). A snapshot that cannot be read is
 * passed over for the one before, with a warning in the log and a journal entry.
 */
public final class SearchCoordinator extends AbstractBehavior<SearchCoordinator.Command> {
  private static final Logger log = LoggerFactory.getLogger(SearchCoordinator.class);

  /** What a coordinator accepts. */
  public sealed interface Command {}

  /** Stop at the next step boundary. */
  public record Cancel(String reason) implements Command {}

  /**
   * Stop taking steps, and snapshot the search at the boundary of the step under way (after its
   * model is published, if it is being published); {@code replyTo} hears once the snapshot is
   * written, or at once when there is nothing to snapshot (the search has ended, or is still
   * loading). The coordinator then stays idle until it is stopped: what comes next is the next
   * start of the server, which resumes the search from that snapshot.
   */
  public record Suspend(ActorRef<Done> replyTo) implements Command {}

  /** The snapshot a {@link Suspend} asked for is written (or could not be). */
  private record SuspendedAt(Throwable failure) implements Command {}

  /**
   * Running the search again after a restart gave an event other than the journaled one; the record
   * has already failed the search with the reason, and this stops its work.
   */
  record Diverged(String reason) implements Command {}

  /** The data is in memory and the snapshot to resume from (if any) is read. */
  private record Loaded(SearchData data, SnapshotStore.Loaded snapshot, Throwable failure)
      implements Command {}

  /** The run is open on the device thread, ready for its first step. */
  private record Opened(Throwable failure) implements Command {}

  /** One step ran (or threw) on the device thread. */
  private record Stepped(Step step, Throwable failure) implements Command {}

  private record Published(Long version, Throwable failure) implements Command {}

  /**
   * What one step produced: its events in order, and after the retraining step of the derived child
   * the exported model (or why the export failed); whether the run has finished.
   */
  private record Step(
      List<SearchEvent> events,
      ModelExport.Done exported,
      String exportFailure,
      boolean finished) {}

  /** Unwinds a step at its boundary when the search was cancelled. */
  private static final class CancelledStep extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancelledStep() {
      super("cancelled", null, false, false);
    }
  }

  private final ActorContext<Command> context;
  private final SearchRecord record;
  private final SearchSpec spec;
  private final SnapshotSettings snapshots;
  private final Executor blocking;
  private final Executor device;
  private final ModelPublisher publisher;
  private final String buildVersion;
  private final Driver driver;
  private final java.time.Duration stepTimeout;

  /** Places the search's networks on a device when the run opens; takes it back at close. */
  private final DevicePool devices;

  private final DataRoots dataRoots;

  /** Where a kill test wants the search held (off in production: {@link HaltPoint}). */
  private final HaltPoint halt = HaltPoint.configured();

  private volatile String cancelReason;

  /** A step, the opening or the publishing is under way. */
  private boolean publishing;

  private boolean done;

  /** Whether a {@link Suspend} stopped the search's steps; who waits for its snapshot. */
  private boolean suspended;

  private final List<ActorRef<Done>> suspenders = new ArrayList<>();

  /** Whether the run is open on the device thread (steps and snapshots can be taken). */
  private boolean open;

  /** Events of the export step that follow the model's publication. */
  private List<SearchEvent> held = List.of();

  /**
   * @param blocking runs the search's blocking work: loading data, publishing the model
   * @param publisher takes the search's model when it is verified
   * @param buildVersion the server build, written into the model's provenance
   */
  static Behavior<Command> create(
      SearchRecord record,
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion) {
    return Behaviors.setup(
        context ->
            new SearchCoordinator(
                context, record, settings, snapshots, blocking, publisher, buildVersion));
  }

  private SearchCoordinator(
      ActorContext<Command> context,
      SearchRecord record,
      ServerSettings settings,
      SnapshotSettings snapshots,
      Executor blocking,
      ModelPublisher publisher,
      String buildVersion) {
    super(context);
    this.context = context;
    this.record = record;
    this.spec = record.info().spec();
    this.snapshots = snapshots;
    this.blocking = blocking;
    this.device =
        context
            .getSystem()
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig(ServerSettings.DEVICE_DISPATCHER));
    this.publisher = publisher;
    this.buildVersion = buildVersion;
    this.driver = new Driver();
    this.stepTimeout = settings.stepTimeout();
    this.devices = settings.devices();
    this.dataRoots = settings.dataRoots();
    boolean resuming = record.recomputing();
    long journaled = record.replayEnd();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> load(resuming, journaled), blocking),
        (loaded, failure) -> failure != null ? new Loaded(null, null, failure) : loaded);
  }

  /** Loads the data and, for a search the journal says was running, its newest usable snapshot. */
  private Loaded load(boolean resuming, long journaled) {
    SearchData data;
    try {
      data = SearchData.load(spec, dataRoots);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SnapshotStore.Loaded snapshot = null;
    if (snapshots.enabled()) {
      try {
        driver.store =
            new SnapshotStore(
                snapshots.of(record.id()), snapshots.keep(), () -> halt.reached("snapshot-write"));
        if (resuming) {
          // A snapshot ahead of the journal (the crash lost its last entries) cannot be used:
          // the events between the journal's end and the snapshot would be missing.
          Optional<SnapshotStore.Loaded> newest =
              driver.store.readNewest(s -> sequenceOf(s) <= journaled);
          snapshot = newest.orElse(null);
        }
      } catch (SnapshotFormatException e) {
        log.warn(
            "search {}: no snapshot can be read, running it again from its start: {}",
            record.id(),
            e.getMessage());
        record.noteSnapshots(List.of(e.getMessage()), -1);
      } catch (IOException e) {
        log.warn(
            "search {}: the snapshot folder {} cannot be used ({}); the search runs without "
                + "snapshots",
            record.id(),
            snapshots.of(record.id()),
            e.toString());
        driver.store = null;
      }
    }
    return new Loaded(data, snapshot, null);
  }

  /**
   * The journal sequence number of the first event after a snapshot: the engine's events before it,
   * plus the EXPORTING phase change the server adds after the derived child's retraining.
   */
  static long sequenceOf(SearchSnapshot s) {
    SearchRun.Stage stage = s.cursor().stage();
    return s.events() + (stage.compareTo(SearchRun.Stage.FINAL_TRAINING) > 0 ? 1 : 0);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(Opened.class, this::onOpened)
        .onMessage(Stepped.class, this::onStepped)
        .onMessage(Published.class, this::onPublished)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Suspend.class, this::onSuspend)
        .onMessage(SuspendedAt.class, this::onSuspendedAt)
        .onMessage(Diverged.class, m -> fail(m.reason()))
        .onSignal(
            PostStop.class,
            signal -> {
              // A journaled search is not over when its server stops: the next start resumes it.
              if (!record.isJournaled() && !record.info().phase().isTerminal()) {
                record.emit(new SearchEvent.PhaseChanged(Phase.FAILED));
                record.emit(new SearchEvent.Failed("the server stopped before the search ended"));
              }
              closeRunAndWait();
              return this;
            })
        .build();
  }

  private Behavior<Command> onLoaded(Loaded m) {
    if (done || suspended) {
      return this;
    }
    if (m.failure() != null) {
      // The reason is for people: peel off the future's wrapper and our own unchecked one, so it
      // reads as the engine's does ("...: no train-images-idx3-ubyte ... in DIR"), not as a class.
      return fail("loading " + spec.data().dataset() + " failed: " + reason(m.failure()));
    }
    if (cancelReason != null) {
      return cancelled();
    }
    SnapshotStore.Loaded snapshot = m.snapshot();
    CompletableFuture<Void> open =
        CompletableFuture.runAsync(
            () -> {
              if (snapshot != null) {
                try {
                  driver.run = SearchRun.resume(spec, m.data(), snapshot.snapshot(), devices);
                  driver.resumedFrom = snapshot;
                } catch (IllegalArgumentException e) {
                  log.warn(
                      "search {}: snapshot {} does not fit the search ({}); running it again from "
                          + "its start",
                      record.id(),
                      snapshot.file(),
                      e.getMessage());
                }
              }
              if (driver.run == null) {
                driver.run = SearchRun.start(spec, m.data(), System.nanoTime(), devices);
              }
              driver.open(m.data());
            },
            device);
    context.pipeToSelf(open, (ok, failure) -> new Opened(failure));
    return this;
  }

  private Behavior<Command> onOpened(Opened m) {
    if (done) {
      return this;
    }
    if (m.failure() != null) {
      return fail("starting the search failed: " + reason(m.failure()));
    }
    open = true;
    SnapshotStore.Loaded from = driver.resumedFrom;
    if (from != null) {
      long sequence = sequenceOf(from.snapshot());
      record.skipReplayTo(sequence);
      List<String> skipped =
          from.skipped().stream().map(r -> r.file().getFileName() + ": " + r.reason()).toList();
      record.noteSnapshots(skipped, sequence);
      if (skipped.isEmpty()) {
        log.info(
            "search {}: resumed from snapshot {} at step {}, event {}",
            record.id(),
            from.file().getFileName(),
            from.snapshot().steps(),
            sequence);
      } else {
        log.warn(
            "search {}: resumed from the older snapshot {} at step {}, event {}: newer ones "
                + "could not be read: {}",
            record.id(),
            from.file().getFileName(),
            from.snapshot().steps(),
            sequence,
            skipped);
      }
    }
    return next();
  }

  /** Runs the next step on the device thread. */
  private Behavior<Command> next() {
    if (cancelReason != null) {
      return cancelled();
    }
    CompletableFuture<Step> step =
        CompletableFuture.supplyAsync(
            () ->
                driver.step(
                    () -> {
                      if (cancelReason != null) {
                        throw new CancelledStep();
                      }
                    }),
            device);
    context.pipeToSelf(step, Stepped::new);
    return this;
  }

  private Behavior<Command> onStepped(Stepped m) {
    if (done) {
      return this;
    }
    if (m.failure() != null) {
      Throwable cause = unwrap(m.failure());
      if (cause instanceof CancelledStep && cancelReason != null) {
        return cancelled();
      }
      if (!(cause instanceof RuntimeException)) {
        log.error("search {}: a step failed", record.id(), cause);
      }
      return fail(reason(cause));
    }
    Step step = m.step();
    List<SearchEvent> events = step.events();
    int exporting = events.indexOf(new SearchEvent.PhaseChanged(Phase.EXPORTING));
    if (exporting < 0) {
      events.forEach(record::emit);
    } else {
      events.subList(0, exporting + 1).forEach(record::emit);
      if (step.exportFailure() != null) {
        return fail("exporting the model failed: " + step.exportFailure());
      }
      held = List.copyOf(events.subList(exporting + 1, events.size()));
      return publish(step.exported());
    }
    if (step.finished()) {
      return succeeded();
    }
    if (suspended) {
      return snapshotForSuspend();
    }
    return next();
  }

  /** Publishing writes the files and loads the model into ONNX Runtime: not on an actor thread. */
  private Behavior<Command> publish(ModelExport.Done exported) {
    publishing = true;
    String name = record.id();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return publisher.publish(name, exported.model(), exported.metadata());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            blocking),
        Published::new);
    return this;
  }

  private Behavior<Command> onPublished(Published m) {
    publishing = false;
    if (done) {
      return this;
    }
    if (m.failure() != null) {
      return fail("publishing the model failed: " + reason(m.failure()));
    }
    // The model comes before the terminal events: whoever sees the search succeed finds it.
    record.modelPublished(record.id(), m.version());
    if (cancelReason != null) {
      return cancelled();
    }
    held.forEach(record::emit);
    held = List.of();
    if (driver.finished) {
      return succeeded();
    }
    if (suspended) {
      return snapshotForSuspend();
    }
    return next();
  }

  private Behavior<Command> onSuspend(Suspend m) {
    if (done || suspended && suspenders.isEmpty()) {
      m.replyTo().tell(Done.getInstance());
      return this;
    }
    if (!open) {
      // Still loading or opening: nothing past the last snapshot to keep, and no step follows.
      suspended = true;
      m.replyTo().tell(Done.getInstance());
      return this;
    }
    suspended = true;
    suspenders.add(m.replyTo());
    // A step or the publication is under way: its answer takes the snapshot.
    return this;
  }

  /** Snapshots the run between two steps on the device thread, then answers the suspenders. */
  private Behavior<Command> snapshotForSuspend() {
    context.pipeToSelf(
        CompletableFuture.runAsync(driver::snapshotNow, device),
        (ok, failure) -> new SuspendedAt(failure));
    return this;
  }

  private Behavior<Command> onSuspendedAt(SuspendedAt m) {
    if (m.failure() != null) {
      log.warn("search {}: the snapshot on suspending failed", record.id(), m.failure());
    }
    suspenders.forEach(s -> s.tell(Done.getInstance()));
    suspenders.clear();
    return this;
  }

  // ----- ends ----------------------------------------------------------------------------------

  private Behavior<Command> onCancel(Cancel m) {
    // While publishing, the model is one atomic write away from served: letting it finish leaves
    // no half-published version behind, and the search ends in a moment either way.
    if (done || publishing || cancelReason != null) {
      return this;
    }
    cancelReason = m.reason() == null || m.reason().isBlank() ? "cancelled on request" : m.reason();
    // The step in flight notices the flag at its next boundary and unwinds.
    return this;
  }

  private Behavior<Command> succeeded() {
    done = true;
    answerSuspenders();
    closeRun();
    return this;
  }

  private Behavior<Command> cancelled() {
    done = true;
    answerSuspenders();
    closeRun();
    record.emitEnd(new SearchEvent.PhaseChanged(Phase.CANCELLED));
    record.emitEnd(new SearchEvent.Cancelled(cancelReason));
    return this;
  }

  private Behavior<Command> fail(String reason) {
    if (done) {
      return this;
    }
    done = true;
    answerSuspenders();
    closeRun();
    record.emitEnd(new SearchEvent.PhaseChanged(Phase.FAILED));
    record.emitEnd(new SearchEvent.Failed(reason));
    return this;
  }

  /** An ended search has nothing to snapshot: whoever waits for one hears now. */
  private void answerSuspenders() {
    suspenders.forEach(s -> s.tell(Done.getInstance()));
    suspenders.clear();
  }

  /**
   * Releases the run's native memory on the device thread, after any step still queued there; the
   * process is going away when the dispatcher no longer takes work, and so is the memory.
   */
  private void closeRun() {
    try {
      device.execute(driver::close);
    } catch (RuntimeException e) {
      log.debug("search {}: the device dispatcher is gone, not closing the run", record.id());
    }
  }

  /**
   * Releases the run's native memory before the coordinator is gone, waiting for the step in flight
   * to end first (one step at most, bounded by {@code enas.step-timeout}): whoever stopped the
   * search (a delete, the server's shutdown) may count on the memory being free.
   */
  private void closeRunAndWait() {
    try {
      CompletableFuture.runAsync(driver::close, device)
          .get(stepTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException
        | RuntimeException e) {
      log.warn(
          "search {}: its run could not be closed on the device thread: {}",
          record.id(),
          e.toString());
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof UncheckedIOException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String reason(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }

  /**
   * The search's run and everything only the device thread touches: the run, the snapshot store and
   * when the last snapshot was written. One task at a time uses it (the coordinator sends the next
   * only after the last one answered), so it needs no lock.
   */
  private final class Driver {
    SearchRun run;
    SnapshotStore store;
    SnapshotStore.Loaded resumedFrom;
    SearchData data;
    boolean finished;
    long lastSnapshotSteps;
    long lastSnapshotNanos;
    List<SearchEvent> events;
    ModelExport.Done exported;
    String exportFailure;

    void open(SearchData loaded) {
      data = loaded;
      lastSnapshotSteps = run.steps();
      lastSnapshotNanos = System.nanoTime();
      run.onRetrained(this::export);
    }

    /** Exports the retrained network in the step that tested it, before the run closes it. */
    private void export(Retrainer network, Retraining.Result result) {
      events.add(new SearchEvent.PhaseChanged(Phase.EXPORTING));
      try {
        exported = ModelExport.export(network, data, spec, record.id(), buildVersion, result);
      } catch (RuntimeException e) {
        log.warn("search {}: exporting the model failed", record.id(), e);
        exportFailure = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      }
    }

    Step step(Runnable checkpoint) {
      events = new ArrayList<>();
      exported = null;
      exportFailure = null;
      SearchRun.Stage before = run.stage();
      halt.reached(HaltPoint.of(before));
      run.step(events::add, checkpoint);
      finished = run.finished();
      if (!finished && exported == null && exportFailure == null && due(before)) {
        snapshot();
      }
      return new Step(events, exported, exportFailure, finished);
    }

    /**
     * Whether a snapshot is due: at a stage boundary, or after the configured steps or time. Not
     * after the export step, whose model is not published yet: a search resumed there would never
     * publish it.
     */
    private boolean due(SearchRun.Stage before) {
      if (store == null) {
        return false;
      }
      return run.stage() != before
          || (snapshots.everySteps() > 0
              && run.steps() - lastSnapshotSteps >= snapshots.everySteps())
          || (!snapshots.every().isZero()
              && System.nanoTime() - lastSnapshotNanos >= snapshots.every().toNanos());
    }

    /** Takes a snapshot between two steps and writes it; a failed write only costs the resume. */
    void snapshot() {
      lastSnapshotSteps = run.steps();
      lastSnapshotNanos = System.nanoTime();
      try {
        Path file = store.write(run.steps(), run.snapshot());
        log.debug("search {}: snapshot {} written", record.id(), file.getFileName());
      } catch (IOException | RuntimeException e) {
        log.warn(
            "search {}: writing a snapshot to {} failed; the search goes on, and a restart "
                + "resumes it from an older one",
            record.id(),
            store.directory(),
            e);
      }
    }

    /** A snapshot now, between two steps, when there is a run to snapshot and a store. */
    void snapshotNow() {
      if (store != null && run != null && !run.finished()) {
        snapshot();
      }
    }

    void close() {
      if (run != null) {
        SearchRun r = run;
        run = null;
        r.close();
      }
    }
  }
}
