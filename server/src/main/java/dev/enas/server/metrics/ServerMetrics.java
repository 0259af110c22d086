package dev.enas.server.metrics;

import dev.enas.server.domain.Page;
import dev.enas.server.domain.SearchBackend;
import dev.enas.server.domain.SearchInfo;
import dev.enas.server.store.EventLog;
import dev.enas.server.store.LoggedEvent;
import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Prometheus metrics (Micrometer's Prometheus registry), all read from outside the
 * searches: the per-state gauges from the backend's listing, the step, update and event counters
 * and their durations from each search's event log, followed like any watcher. Nothing in a search
 * waits for them. Durations are the time between consecutive events of a log: a shared step's is
 * from the event before it to its ChildTrained or StepSkipped, waiting for the device included; a
 * controller update's is from the event before its batch of ArchitectureSampled events (the
 * children it samples and rewards) to its ControllerUpdated.
 *
 * <p>Names follow Prometheus conventions: the server's own metrics and the gRPC ones start with
 * {@code enas_}, use base units and end counters in {@code _total}; the JVM and process metrics
 * keep the standard {@code jvm_} and {@code process_} names that JVM dashboards read.
 */
public final class ServerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerMetrics.class);

  /** Events a log follower may lag before its subscription is cut; it then resumes itself. */
  private static final int FOLLOW_BUFFER = 1 << 20;

  private static final int LIST_PAGE = 1000;
  private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+)\\s+kB");
  private static final Path PROC_STATUS = Path.of("/proc/self/status");

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final Clock clock;
  private final Instant startedAt;
  private final Map<String, AtomicLong> searchesByState = new HashMap<>();
  private final Set<String> followed = ConcurrentHashMap.newKeySet();
  private final Map<EventLog.Subscription, Boolean> subscriptions = new ConcurrentHashMap<>();
  private final Executor delivery;
  private final ScheduledExecutorService poller;
  private final Map<String, Counter> eventCounters = new ConcurrentHashMap<>();

  /** What the function counters read, held here since the registry holds it weakly. */
  private final List<LongSupplier> counted = new CopyOnWriteArrayList<>();

  private final Counter stepsTrained;
  private final Counter stepsSkipped;
  private final Counter controllerUpdates;
  private final Timer stepDuration;
  private final Timer updateDuration;
  private volatile SearchBackend backend;
  private volatile CompletableFuture<Void> refreshing;
  private volatile boolean closed;

  /** A registry with the JVM and process metrics; the rest arrives with {@link #follow}. */
  public ServerMetrics() {
    this.clock = Clock.systemUTC();
    this.startedAt = clock.instant();
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Micrometer's gRPC interceptor names its meters grpc.server.*: they are ours to prefix.
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("grpc.") ? id.withName("enas." + id.getName()) : id;
              }

              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                // gRPC call durations as histograms, so that quantiles aggregate across servers.
                return id.getName().equals("enas.grpc.server.processing.duration")
                    ? DistributionStatisticConfig.builder()
                        .percentilesHistogram(true)
                        .minimumExpectedValue((double) Duration.ofMillis(1).dividedBy(10).toNanos())
                        .maximumExpectedValue((double) Duration.ofMinutes(10).toNanos())
                        .build()
                        .merge(config)
                    : config;
              }
            });
    // Micrometer's process CPU time is in nanoseconds: not a base unit, and process_cpu_usage
    // says the same.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    if (Files.isReadable(PROC_STATUS)) {
      // Native memory (libtorch, ONNX Runtime) is invisible to the JVM's own memory metrics.
      Gauge.builder("process.resident.memory", ServerMetrics::residentBytes)
          .baseUnit("bytes")
          .description("Resident set size of the server process, native memory included")
          .register(registry);
    }
    for (Phase phase :
        List.of(
            Phase.PENDING, Phase.SHARED_TRAINING, Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)) {
      AtomicLong count = new AtomicLong();
      searchesByState.put(stateName(phase), count);
      Gauge.builder("enas.searches", count, AtomicLong::get)
          .tag("state", stateName(phase))
          .description("Searches the server holds, by state")
          .register(registry);
    }
    stepsTrained =
        Counter.builder("enas.shared.steps")
            .tag("outcome", "trained")
            .description("Shared-weight steps: a sampled child trained for one minibatch")
            .register(registry);
    stepsSkipped =
        Counter.builder("enas.shared.steps")
            .tag("outcome", "skipped")
            .description("Shared-weight steps: a sampled child trained for one minibatch")
            .register(registry);
    controllerUpdates =
        Counter.builder("enas.controller.updates")
            .description("Controller (REINFORCE) updates")
            .register(registry);
    stepDuration =
        Timer.builder("enas.shared.step.duration")
            .description("Wall time of one shared-weight step, waiting for the device included")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    updateDuration =
        Timer.builder("enas.controller.update.duration")
            .description(
                "Wall time of one controller update: sampling and rewarding its children,"
                    + " then the policy step")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    poller =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "enas-metrics");
              thread.setDaemon(true);
              return thread;
            });
    delivery = poller;
  }

  /** The registry, for the gRPC interceptors and any meter the server adds. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Starts following the backend's searches: lists them every {@code pollInterval} for the
   * per-state gauges and subscribes to the event log of each search it has not seen. A search that
   * existed before the metrics started is followed from its current end, one created after from its
   * first event, so a counter counts each event once.
   */
  public void follow(SearchBackend searches, Duration pollInterval) {
    backend = searches;
    long millis = Math.max(1, pollInterval.toMillis());
    poller.scheduleWithFixedDelay(() -> refresh(), 0, millis, TimeUnit.MILLISECONDS);
  }

  /** Open watch streams, by transport ({@code grpc}, {@code sse}). */
  public void watchers(String transport, IntSupplier open) {
    // Micrometer holds a gauge's object weakly: a method reference would be collected.
    Gauge.builder("enas.watchers.connected", open, s -> s.getAsInt())
        .strongReference(true)
        .tag("transport", transport)
        .description("Clients following a search's events now")
        .register(registry);
  }

  /**
   * ModelInfer requests by where they ran: on the transport thread that read them (small ones,
   * under the inline limit) or on the inference pool. A pool share near one for small requests says
   * the inline limit is too low for the traffic.
   */
  public void inferenceRequests(LongSupplier onTransportThread, LongSupplier onPool) {
    inferenceRequests("transport", onTransportThread);
    inferenceRequests("pool", onPool);
  }

  private void inferenceRequests(String ranOn, LongSupplier count) {
    // Micrometer holds a function counter's object weakly, and has no strong option for it.
    counted.add(count);
    FunctionCounter.builder("enas.inference.requests", count, LongSupplier::getAsLong)
        .tag("ran_on", ranOn)
        .description("ModelInfer requests run, by the thread they ran on")
        .register(registry);
  }

  /** ONNX Runtime sessions the model repository holds open. */
  public void servingSessions(IntSupplier open) {
    Gauge.builder("enas.serving.sessions", open, s -> s.getAsInt())
        .strongReference(true)
        .description("ONNX Runtime sessions loaded for serving")
        .register(registry);
  }

  /** Records one ModelInfer call (see {@code api.ModelInferTimer}). */
  public void recordInfer(String model, String status, long nanos) {
    Timer.builder("enas.model.infer.duration")
        .description("ModelInfer calls from arrival to status, per model")
        // A request for a model that does not exist must not create a series per wrong name.
        .tag("model", status.equals("NOT_FOUND") || model.isEmpty() ? "(unknown)" : model)
        .tag("status", status)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text of every metric, the search gauges refreshed first. */
  public CompletionStage<String> scrape() {
    return refresh().handle((done, error) -> registry.scrape());
  }

  /** Lists the searches: updates the state gauges and follows logs not yet followed. */
  private synchronized CompletableFuture<Void> refresh() {
    SearchBackend searches = backend;
    if (searches == null || closed) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> running = refreshing;
    if (running != null && !running.isDone()) {
      return running;
    }
    Map<String, Long> counts = new HashMap<>();
    CompletableFuture<Void> next =
        listFrom(searches, 0, counts)
            .toCompletableFuture()
            .thenAccept(
                nothing ->
                    searchesByState.forEach(
                        (state, gauge) -> gauge.set(counts.getOrDefault(state, 0L))));
    next.exceptionally(
        error -> {
          log.debug("metrics: listing the searches failed", error);
          return null;
        });
    refreshing = next;
    return next;
  }

  private CompletionStage<Void> listFrom(
      SearchBackend searches, long cursor, Map<String, Long> counts) {
    return searches
        .list(LIST_PAGE, cursor, Set.of())
        .thenCompose(
            (Page<SearchInfo> page) -> {
              for (SearchInfo info : page.items()) {
                counts.merge(stateName(info.phase()), 1L, Long::sum);
                boolean before = info.createTime().isBefore(startedAt);
                // A search that had ended before the metrics started adds no event to count, and
                // asking
                // for its log would read its whole journal back (a restarted server holds only the
                // summary of an ended search), for every such search at every start.
                if (followed.add(info.id()) && !(before && info.phase().isTerminal())) {
                  searches
                      .eventLog(info.id())
                      .whenComplete(
                          (eventLog, error) -> {
                            if (error != null) {
                              followed.remove(info.id());
                            } else if (!(before && eventLog.isClosed())) {
                              subscribe(eventLog, before ? eventLog.size() : 0, new Follower());
                            }
                          });
                }
              }
              return page.nextCursor() == 0
                  ? CompletableFuture.<Void>completedFuture(null)
                  : listFrom(searches, page.nextCursor(), counts);
            });
  }

  private void subscribe(EventLog eventLog, long from, Follower follower) {
    if (closed) {
      return;
    }
    follower.eventLog = eventLog;
    follower.subscription = eventLog.subscribe(from, FOLLOW_BUFFER, delivery, follower);
    subscriptions.put(follower.subscription, Boolean.TRUE);
  }

  private static String stateName(Phase phase) {
    if (phase.isTerminal() || phase == Phase.PENDING) {
      return phase.name().toLowerCase(Locale.ROOT);
    }
    return "running";
  }

  private static double residentBytes() {
    try {
      Matcher matcher = VM_RSS.matcher(Files.readString(PROC_STATUS));
      return matcher.find() ? Long.parseLong(matcher.group(1)) * 1024.0 : Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static String kind(SearchEvent event) {
    // PhaseChanged -> phase_changed: the event kinds as the proto's oneof names them.
    return event
        .getClass()
        .getSimpleName()
        .replaceAll("([a-z])([A-Z])", "$1_$2")
        .toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    closed = true;
    subscriptions.keySet().forEach(EventLog.Subscription::cancel);
    poller.shutdownNow();
    gcMetrics.close();
    registry.close();
  }

  /** Counts one search's events as its log delivers them, on the metrics thread, one at a time. */
  private final class Follower implements EventLog.Subscriber {
    EventLog eventLog;
    EventLog.Subscription subscription;
    private Instant previousTime;
    private boolean previousSampled;
    private Instant samplingStart;

    @Override
    public void onEvent(LoggedEvent logged) {
      SearchEvent event = logged.event();
      eventCounters
          .computeIfAbsent(
              kind(event),
              kind ->
                  Counter.builder("enas.events.published")
                      .tag("kind", kind)
                      .description("Events appended to the searches' logs, by kind")
                      .register(registry))
          .increment();
      Instant time = logged.time();
      boolean sampled = event instanceof SearchEvent.ArchitectureSampled;
      if (previousTime != null) {
        if (event instanceof SearchEvent.ChildTrained) {
          stepsTrained.increment();
          stepDuration.record(Duration.between(previousTime, time));
        } else if (event instanceof SearchEvent.StepSkipped) {
          stepsSkipped.increment();
          stepDuration.record(Duration.between(previousTime, time));
        } else if (event instanceof SearchEvent.ControllerUpdated) {
          controllerUpdates.increment();
          updateDuration.record(
              Duration.between(previousSampled ? samplingStart : previousTime, time));
        }
        if (sampled && !previousSampled) {
          samplingStart = previousTime;
        }
      } else if (event instanceof SearchEvent.ChildTrained) {
        stepsTrained.increment();
      } else if (event instanceof SearchEvent.StepSkipped) {
        stepsSkipped.increment();
      } else if (event instanceof SearchEvent.ControllerUpdated) {
        controllerUpdates.increment();
      }
      previousTime = time;
      previousSampled = sampled;
    }

    @Override
    public void onComplete() {
      subscriptions.remove(subscription);
    }

    @Override
    public void onCut(EventLog.CutReason reason, long resumeSequence) {
      subscriptions.remove(subscription);
      if (reason == EventLog.CutReason.OVERFLOW) {
        subscribe(eventLog, resumeSequence, this);
      }
    }
  }
}
