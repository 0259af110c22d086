package dev.enas.server.actor;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For tests that kill the server at a chosen point of a search: with the system property {@value
 * #PROPERTY} set to {@code POINT} or {@code POINT:N}, the N-th time (1 when left out) this process
 * reaches the point, the thread that reached it prints {@code enas-test: halted at POINT:N} on
 * standard output and blocks for good, so the test sees the line and sends SIGKILL while the search
 * is exactly there. The points are the stages of a search, reached before a step of that stage on
 * the device thread ({@code shared-training}, {@code controller-training}, {@code deriving}, {@code
 * screening}, {@code rank-check}, {@code final-training}, {@code baseline-training}), and {@code
 * snapshot-write}, reached halfway through writing a snapshot's temporary file.
 *
 * <p>Off unless the property is set: then every {@link #reached} is one comparison.
 */
public final class HaltPoint {
  private static final Logger log = LoggerFactory.getLogger(HaltPoint.class);

  /** The system property naming the point. */
  public static final String PROPERTY = "enas.test.halt-at";

  /** Every point a process can halt at. */
  public static final List<String> POINTS =
      List.of(
          "shared-training",
          "controller-training",
          "deriving",
          "screening",
          "rank-check",
          "final-training",
          "baseline-training",
          "snapshot-write");

  private static volatile HaltPoint configured;

  private final String point;
  private final int occurrence;
  private final AtomicInteger reached = new AtomicInteger();

  private HaltPoint(String point, int occurrence) {
    this.point = point;
    this.occurrence = occurrence;
  }

  /**
   * Parses {@code value} ({@code POINT} or {@code POINT:N}); null or blank is no point.
   *
   * @throws IllegalArgumentException naming the property and the accepted values when it is not one
   */
  static HaltPoint parse(String value) {
    if (value == null || value.isBlank()) {
      return new HaltPoint(null, 0);
    }
    String[] parts = value.strip().split(":", -1);
    int n = 1;
    boolean valid = parts.length <= 2 && POINTS.contains(parts[0]);
    if (valid && parts.length == 2) {
      try {
        n = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        valid = false;
      }
      valid &= n >= 1;
    }
    if (!valid) {
      throw new IllegalArgumentException(
          PROPERTY
              + " must be POINT or POINT:N with N >= 1 and "
              + "POINT one of "
              + POINTS
              + ", was \""
              + value
              + "\"");
    }
    return new HaltPoint(parts[0], n);
  }

  /**
   * The point this process halts at, from the system property (read once).
   *
   * @throws IllegalArgumentException if the property is set to something that is not a point
   */
  public static HaltPoint configured() {
    HaltPoint h = configured;
    if (h == null) {
      h = parse(System.getProperty(PROPERTY));
      configured = h;
    }
    return h;
  }

  /** Whether a point is set at all. */
  public boolean enabled() {
    return point != null;
  }

  /** Marks {@code name} reached; blocks for good when it is the point's N-th time. */
  public void reached(String name) {
    if (point == null || !point.equals(name) || reached.incrementAndGet() != occurrence) {
      return;
    }
    String line = "enas-test: halted at " + point + ":" + occurrence;
    log.warn("{} ({} is set; this thread stops here)", line, PROPERTY);
    System.out.println(line);
    System.out.flush();
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // Halted means halted: only the kill ends this.
      }
    }
  }

  /** The point name of a stage of the engine's run, {@code SHARED_TRAINING -> shared-training}. */
  static String of(Enum<?> stage) {
    return stage.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
