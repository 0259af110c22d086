package dev.enas.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.app.EnasServer;
import dev.enas.server.app.Main;
import dev.enas.server.store.Journal;
import dev.enas.server.store.JournalEvent;
import dev.enas.server.store.JournalSettings;
import dev.enas.snapshot.SnapshotStore;
import dev.enas.spec.SearchSpec;
import dev.enas.supernet.TorchThreads;
import dev.enas.train.Phase;
import dev.enas.train.SearchData;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchRun;
import dev.enas.train.SearchSnapshot;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * What a long journal costs the server: how long a restart takes to resume a search with a long
 * history, and how much heap the server keeps for searches that have finished. Both write the
 * journal directly (through Pekko Persistence, as the server's own writer does, so the server reads
 * it as its own) rather than running the searches, which would take days.
 */
final class JournalBench {
  private JournalBench() {}

  /** Events in the journal of the search the recovery-time benchmark resumes. */
  static final int RECOVERY_EVENTS = 50_000;

  /** Finished searches, and events of each, the retained-heap benchmark holds. */
  static final int FINISHED_SEARCHES = 1_000;

  static final int EVENTS_PER_SEARCH = 5_000;

  /** Real shared-weight steps run to take the resumed search's snapshot. */
  static final int SNAPSHOT_STEPS = 20;

  /**
   * Overrides {@link #FINISHED_SEARCHES}: writing 5,000,000 entries takes over an hour on a loaded
   * two-core machine; fewer searches give the heap per search, and the ratio at 1,000 by
   * proportion, which the benchmark prints.
   */
  static final String SEARCHES_PROPERTY = "enas.bench.finished-searches";

  /** Entries per journal write. */
  private static final int CHUNK = 1_000;

  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");

  /**
   * Seconds from the start of a server process to the first training step it resumes, for a search
   * whose journal holds {@link #RECOVERY_EVENTS} events; beside it, the seconds from the start of a
   * process on an empty data directory to its first answer, in the same run.
   *
   * <p>The search is the macro smoke search with one long epoch of shared training. Its snapshot is
   * real: the run taken {@link #SNAPSHOT_STEPS} steps, with its event count set to {@link
   * #RECOVERY_EVENTS} so that the resume starts after every journaled event. The journal holds the
   * search's creation and {@link #RECOVERY_EVENTS} events shaped as that run's (its phase change,
   * then one ChildTrained per step, architectures and losses cycled from the real steps). The
   * resumed step is seen as its event arriving at a watch from sequence {@link #RECOVERY_EVENTS}
   * over loopback, so the time includes reading the whole journal, folding it, loading the data and
   * the snapshot, one training step and the event's way to the client.
   */
  static Bench.Result recoveryTime() throws Exception {
    TorchThreads.use(1);
    SearchSpec spec = longSharedEpoch();
    Path empty = Files.createTempDirectory("enas-bench-empty");
    Path data = Files.createTempDirectory("enas-bench-recovery");
    String id = "long-history";

    List<SearchEvent> real = new ArrayList<>();
    SearchSnapshot snapshot;
    try (SearchRun run = SearchRun.start(spec, SearchData.load(spec), System.nanoTime())) {
      for (int i = 0; i < SNAPSHOT_STEPS; i++) {
        run.step(real::add, () -> {});
      }
      snapshot = withEvents(run.snapshot(), RECOVERY_EVENTS);
      new SnapshotStore(data.resolve("snapshots").resolve(id), 3).write(run.steps(), snapshot);
    }
    List<SearchEvent> trained =
        real.stream().filter(SearchEvent.ChildTrained.class::isInstance).toList();
    List<SearchEvent> events = new ArrayList<>(RECOVERY_EVENTS);
    events.add(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
    for (int i = 1; i < RECOVERY_EVENTS; i++) {
      SearchEvent.ChildTrained t = (SearchEvent.ChildTrained) trained.get(i % trained.size());
      events.add(
          new SearchEvent.ChildTrained(
              0, i - 1, t.architecture(), t.loss(), t.learningRate(), t.perplexity()));
    }
    long start = System.nanoTime();
    write(data, List.of(new Search(id, 0, spec, events)));
    System.out.printf(
        "journal of %,d events written in %.1f s%n",
        RECOVERY_EVENTS, (System.nanoTime() - start) / 1e9);

    double emptyStart = 0;
    double resumedStep = 0;
    double loadedListening = 0;
    // Twice each, alternating, so the first JVM of the run (cold file cache) counts for both.
    for (int round = 0; round < 2; round++) {
      double e = firstAnswerSeconds(empty);
      // A fresh copy each round: the round's resumed steps go into the journal it runs on.
      double[] r = firstResumedStepSeconds(copy(data), id);
      System.out.printf(
          "round %d: empty server answers after %.2f s; the server with the "
              + "journal answers after %.2f s and resumes its first step after %.2f s%n",
          round + 1, e, r[0], r[1]);
      if (round == 1) {
        emptyStart = e;
        loadedListening = r[0];
        resumedStep = r[1];
      }
    }
    System.out.printf(
        "empty server: %.2f s to its first answer; with %,d journaled events: "
            + "%.2f s to its first answer, %.2f s to the first resumed training step%n",
        emptyStart, RECOVERY_EVENTS, loadedListening, resumedStep);
    return new Bench.Result(
        resumedStep,
        String.format(
            "s to the first resumed step " + "(empty server: %.2f s to its first answer)",
            emptyStart));
  }

  /**
   * Heap in use (after full collections) of a server holding {@link #FINISHED_SEARCHES} finished
   * searches of {@link #EVENTS_PER_SEARCH} events each, divided by that of the same server on an
   * empty data directory, both in this process and measured once the start has recovered every
   * search. Goal: at most 1.5. The searches are written to the journal directly: the creation of a
   * macro smoke search, its events (shared steps and sampled architectures in a 2:1 mix, as a
   * search's journal mostly is), its success and its Finished event.
   */
  static Bench.Result retainedHeap() throws Exception {
    int count = Integer.getInteger(SEARCHES_PROPERTY, FINISHED_SEARCHES);
    if (count < 1 || count > 100_000) {
      throw new IllegalArgumentException(SEARCHES_PROPERTY + " must be in 1..100000, was " + count);
    }
    SearchSpec spec = SearchSpec.smoke("macro", 7);
    Path empty = Files.createTempDirectory("enas-bench-heap-empty");
    double emptyHeap = serverHeap(empty, 0);

    List<SearchEvent> real = new ArrayList<>();
    TorchThreads.use(1);
    try (SearchRun run = SearchRun.start(spec, SearchData.load(spec), System.nanoTime())) {
      while (run.stage() != SearchRun.Stage.DERIVING) {
        run.step(real::add, () -> {});
      }
    }
    List<SearchEvent.ChildTrained> trained =
        real.stream()
            .filter(SearchEvent.ChildTrained.class::isInstance)
            .map(SearchEvent.ChildTrained.class::cast)
            .toList();
    List<SearchEvent.ArchitectureSampled> sampled =
        real.stream()
            .filter(SearchEvent.ArchitectureSampled.class::isInstance)
            .map(SearchEvent.ArchitectureSampled.class::cast)
            .toList();
    Path data = Files.createTempDirectory("enas-bench-heap");
    long start = System.nanoTime();
    List<Search> batch = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      List<SearchEvent> events = new ArrayList<>(EVENTS_PER_SEARCH);
      events.add(new SearchEvent.PhaseChanged(Phase.SHARED_TRAINING));
      for (int i = 0; events.size() < EVENTS_PER_SEARCH - 2; i++) {
        if (i % 3 < 2) {
          SearchEvent.ChildTrained t = trained.get(i % trained.size());
          events.add(
              new SearchEvent.ChildTrained(
                  0, i, t.architecture(), t.loss(), t.learningRate(), t.perplexity()));
        } else {
          SearchEvent.ArchitectureSampled a = sampled.get(i % sampled.size());
          events.add(
              new SearchEvent.ArchitectureSampled(
                  0,
                  i / 3,
                  a.architecture(),
                  a.reward() + s * 1e-6,
                  a.logProbability(),
                  a.entropy(),
                  a.baseline(),
                  a.perplexity()));
        }
      }
      events.add(new SearchEvent.PhaseChanged(Phase.SUCCEEDED));
      events.add(
          new SearchEvent.Finished(
              sampled.get(s % sampled.size()).architecture(), 0.8, 12_345, 60.0));
      batch.add(new Search(String.format("finished-%04d", s), s, spec, events));
      if (batch.size() == 50) {
        write(data, batch);
        batch.clear();
        System.out.printf(
            "%d searches written (%.0f s)%n", s + 1, (System.nanoTime() - start) / 1e9);
      }
    }
    write(data, batch);
    System.out.printf(
        "%,d searches of %,d events written in %.1f s%n",
        count, EVENTS_PER_SEARCH, (System.nanoTime() - start) / 1e9);

    double fullHeap = serverHeap(data, count);
    // The empty server again, so the order of the two does not decide the ratio.
    double emptyAgain = serverHeap(empty, 0);
    double baseline = Math.max(emptyHeap, emptyAgain);
    System.out.printf(
        "heap in use: empty server %.1f MB (again: %.1f MB), with %,d finished "
            + "searches %.1f MB%n",
        emptyHeap / 1e6, emptyAgain / 1e6, count, fullHeap / 1e6);
    double perSearch = (fullHeap - baseline) / count;
    System.out.printf(
        "%.1f KB per finished search; at %,d searches that would be %.3f x%n",
        perSearch / 1e3, FINISHED_SEARCHES, (baseline + perSearch * FINISHED_SEARCHES) / baseline);
    return new Bench.Result(
        fullHeap / baseline,
        String.format(
            "x (heap with %,d finished searches of %,d events / empty server)",
            count, EVENTS_PER_SEARCH));
  }

  /** The macro smoke search with one shared epoch long enough never to end in the benchmark. */
  private static SearchSpec longSharedEpoch() {
    SearchSpec smoke = SearchSpec.smoke("macro", 5);
    return smoke.withSharedLength(1, 1_000_000);
  }

  private static SearchSnapshot withEvents(SearchSnapshot s, long events) {
    return new SearchSnapshot(
        s.space(),
        s.seed(),
        s.cursor(),
        s.steps(),
        events,
        s.elapsedSeconds(),
        s.epochSeconds(),
        s.controller(),
        s.sharedModel(),
        s.training(),
        s.validationBatches(),
        s.figures(),
        s.pendingRewards(),
        s.scored(),
        s.top(),
        s.screening(),
        s.retrainer(),
        s.derived(),
        s.retrained(),
        s.plainBaseline(),
        s.rankChecked());
  }

  private static Config config(Path dataDir) {
    return ConfigFactory.load()
        .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
        .withValue("enas.http.port", ConfigValueFactory.fromAnyRef(0));
  }

  // ----- a server in this process: its heap --------------------------------------------------

  /** Heap in use after full collections, with a server started on {@code dataDir}. */
  private static double serverHeap(Path dataDir, int searches) throws Exception {
    try (EnasServer server =
        EnasServer.start(
            config(dataDir),
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      int listed =
          SearchServiceGrpc.newBlockingStub(channel)
              .listSearches(
                  dev.enas.proto.v1.ListSearchesRequest.newBuilder().setPageSize(1000).build())
              .getSearchesCount();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (listed != Math.min(searches, 1000)) {
        throw new IllegalStateException(
            "the server lists " + listed + " searches, expected " + searches);
      }
      return heapInUse();
    }
  }

  private static double heapInUse() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  // ----- a server in a process of its own: its start ------------------------------------------

  private static Process startServer(Path dataDir, Path log) throws Exception {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "serve",
            "--port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            dataDir.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    return builder.start();
  }

  private static int awaitPort(Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline && process.isAlive()) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("the server did not start:\n" + Files.readString(log));
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
    }
  }

  /** Seconds from starting a server process on {@code dataDir} to its first answer. */
  private static double firstAnswerSeconds(Path dataDir) throws Exception {
    Path log = Files.createTempFile("enas-bench-server", ".log");
    long start = System.nanoTime();
    Process process = startServer(dataDir, log);
    try {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", awaitPort(process, log))
              .usePlaintext()
              .build();
      SearchServiceGrpc.newBlockingStub(channel)
          .listSearches(dev.enas.proto.v1.ListSearchesRequest.getDefaultInstance());
      double seconds = (System.nanoTime() - start) / 1e9;
      channel.shutdownNow();
      return seconds;
    } finally {
      stop(process);
    }
  }

  /**
   * Seconds from starting a server process on {@code dataDir} to its first answer, and to the first
   * event past the journal of search {@code id}.
   */
  private static double[] firstResumedStepSeconds(Path dataDir, String id) throws Exception {
    Path log = Files.createTempFile("enas-bench-server", ".log");
    long start = System.nanoTime();
    Process process = startServer(dataDir, log);
    try {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", awaitPort(process, log))
              .usePlaintext()
              .build();
      SearchServiceGrpc.SearchServiceBlockingStub stub =
          SearchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
      stub.listSearches(dev.enas.proto.v1.ListSearchesRequest.getDefaultInstance());
      double answered = (System.nanoTime() - start) / 1e9;
      dev.enas.proto.v1.SearchEvent first =
          stub.watchSearch(
                  WatchSearchRequest.newBuilder()
                      .setSearchId(id)
                      .setFromSequence(RECOVERY_EVENTS)
                      .build())
              .next();
      double stepped = (System.nanoTime() - start) / 1e9;
      channel.shutdownNow();
      if (first.getSequence() != RECOVERY_EVENTS || !first.hasChildTrained()) {
        throw new IllegalStateException(
            "the first event after the journal is not a resumed "
                + "training step: "
                + first
                + "\n"
                + Files.readString(log));
      }
      if (!Files.readString(log).contains("resumed from snapshot")) {
        throw new IllegalStateException(
            "the search did not resume from its snapshot:\n" + Files.readString(log));
      }
      return new double[] {answered, stepped};
    } finally {
      // The search's new steps are journaled: kill it, so the next round resumes from the same
      // point (a SIGTERM would snapshot it further on).
      process.destroyForcibly().waitFor();
    }
  }

  // ----- writing the journal ------------------------------------------------------------------

  /** One search as the journal holds it. */
  private record Search(String id, long ordinal, SearchSpec spec, List<SearchEvent> events) {}

  /** Writes the searches' entries with the server's journal settings for {@code dataDir}. */
  private static void write(Path dataDir, List<Search> searches) throws Exception {
    if (searches.isEmpty()) {
      return;
    }
    Config config = config(dataDir);
    JournalSettings settings = JournalSettings.fromConfig(config.getConfig("enas"));
    Journal.check(settings);
    // Writes of thousands of entries on a loaded machine outlast the journal's circuit breaker
    // (10 s a call by default); the server's own writes are one entry each.
    Config writing =
        settings
            .applyTo(config)
            .withValue(
                "jdbc-journal.circuit-breaker.call-timeout", ConfigValueFactory.fromAnyRef("10m"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "journal-writer", writing);
    try {
      Journal.of(settings, system).createTables();
      Instant time = Instant.parse("2026-01-01T00:00:00Z");
      // A few searches at a time, each in chunks of entries.
      for (int from = 0; from < searches.size(); from += 4) {
        List<CompletableFuture<Done>> writes = new ArrayList<>();
        for (Search s : searches.subList(from, Math.min(searches.size(), from + 4))) {
          ActorRef<Writer.Append> writer =
              system.systemActorOf(
                  Writer.create(Journal.persistenceId(s.id())),
                  "writer-" + s.id(),
                  org.apache.pekko.actor.typed.Props.empty());
          List<JournalEvent> entries = new ArrayList<>(s.events().size() + 1);
          entries.add(new JournalEvent.Created(s.id(), s.ordinal(), s.spec(), time));
          for (int i = 0; i < s.events().size(); i++) {
            entries.add(new JournalEvent.Logged(i, time.plusMillis(i), s.events().get(i)));
          }
          for (int c = 0; c < entries.size(); c += CHUNK) {
            List<JournalEvent> chunk = entries.subList(c, Math.min(entries.size(), c + CHUNK));
            CompletionStage<Done> done =
                AskPattern.ask(
                    writer,
                    replyTo -> new Writer.Append(chunk, replyTo),
                    Duration.ofMinutes(30),
                    system.scheduler());
            writes.add(done.toCompletableFuture());
          }
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
      // Close the database file now, whatever connections the pool still holds: the server may
      // be another process, which H2's file lock would keep out.
      try (java.sql.Connection c =
              java.sql.DriverManager.getConnection(
                  settings.url(), settings.user(), settings.password());
          java.sql.Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
    }
  }

  /** A copy of a closed data directory. */
  private static Path copy(Path dataDir) throws Exception {
    Path target = Files.createTempDirectory("enas-bench-recovery-round");
    try (java.util.stream.Stream<Path> files = Files.walk(dataDir)) {
      for (Path f : files.toList()) {
        Path to = target.resolve(dataDir.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    return target;
  }

  /** Persists the entries it is given under one persistence id, all at once. */
  private static final class Writer
      extends EventSourcedBehavior<Writer.Append, JournalEvent, Long> {
    record Append(List<JournalEvent> entries, ActorRef<Done> replyTo) {}

    static Behavior<Append> create(String persistenceId) {
      return new Writer(persistenceId);
    }

    private Writer(String persistenceId) {
      super(PersistenceId.ofUniqueId(persistenceId));
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<Append, JournalEvent, Long> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Append.class,
              (state, append) ->
                  Effect()
                      .persist(append.entries())
                      .thenRun(after -> append.replyTo().tell(Done.getInstance())))
          .build();
    }

    @Override
    public EventHandler<Long, JournalEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, entry) -> state + 1);
    }
  }
}
