package dev.enas.client.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.PlainBaseline;
import dev.enas.proto.v1.RankCheck;
import dev.enas.proto.v1.SearchState;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How the command line writes numbers, times, enum values, messages and tables for people. */
final class Text {
  // Scalars print even at their default, so that `sequence: 0` of a first event is not missing
  // for scripts that read the field. Field names stay as the .proto spells them, which is how
  // the server's errors name fields (spec.shared.learning_rate_max) and how spec files are
  // written; JsonFormat reads either spelling back.
  private static final JsonFormat.Printer JSON_PRETTY =
      JsonFormat.printer().alwaysPrintFieldsWithNoPresence().preservingProtoFieldNames();
  private static final JsonFormat.Printer JSON_LINE = JSON_PRETTY.omittingInsignificantWhitespace();

  private Text() {}

  /** A message as one line of JSON, for `--json` output that scripts read line by line. */
  static String jsonLine(MessageOrBuilder message) {
    try {
      return JSON_LINE.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print, and the API has none.
      throw new UncheckedIOException(e);
    }
  }

  /** A message as indented JSON, for one object shown to people and tools alike. */
  static String json(MessageOrBuilder message) {
    try {
      return JSON_PRETTY.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A reward, loss or accuracy with four decimals; "-" for NaN, which means "none yet". */
  static String decimal(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.4f", value);
  }

  /** A count with thousands separators. */
  static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  /** A timestamp to the second in UTC; "-" when unset. */
  static String time(Timestamp time) {
    if (time.getSeconds() == 0 && time.getNanos() == 0) {
      return "-";
    }
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos())
        .truncatedTo(ChronoUnit.SECONDS)
        .toString();
  }

  /** A wall time such as "12.3s", "4m 12s" or "2h 05m". */
  static String duration(Duration duration) {
    double seconds = duration.getSeconds() + duration.getNanos() / 1e9;
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1fs", seconds);
    }
    long whole = Math.round(seconds);
    if (whole < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", whole / 60, whole % 60);
    }
    return String.format(Locale.ROOT, "%dh %02dm", whole / 3600, whole % 3600 / 60);
  }

  /** "shared training" for PHASE_SHARED_TRAINING. */
  /**
   * A rank check's outcome for people: Kendall's tau with its p-value and what it says at the 5 %
   * level, over how many architectures trained alone for how long.
   */
  static String rankCheck(RankCheck r) {
    String over =
        " over "
            + r.getArchitectureCount()
            + " architectures trained alone for "
            + count(r.getSteps())
            + " steps each";
    if (Double.isNaN(r.getKendallTau())) {
      return "Kendall tau not defined" + over + " (fewer than 3, or one figure the same for all)";
    }
    String reading;
    if (r.getPValue() < 0.05) {
      reading =
          r.getKendallTau() > 0
              ? "the shared weights rank children as training alone does"
              : "the shared weights rank children the opposite way";
    } else {
      reading =
          "no evidence at the 5 % level that the shared weights rank children as training"
              + " alone does";
    }
    return String.format(
        Locale.ROOT,
        "Kendall tau %s (p %s)%s: %s",
        decimal(r.getKendallTau()),
        decimal(r.getPValue()),
        over,
        reading);
  }

  /**
   * The plain baseline beside the derived child: its figure and size, then how the two compare
   * (test error ratio for a classifier, perplexity ratio for a language model; below 1 means the
   * search won).
   */
  static String plainBaseline(
      PlainBaseline plain,
      double derivedAccuracy,
      double derivedPerplexity,
      boolean languageModel) {
    if (languageModel) {
      return "test perplexity "
          + decimal(plain.getTestPerplexity())
          + ", "
          + count(plain.getParameters())
          + " parameters; derived / plain perplexity "
          + decimal(derivedPerplexity / plain.getTestPerplexity());
    }
    double derivedError = 1 - derivedAccuracy;
    double plainError = 1 - plain.getTestAccuracy();
    return "test accuracy "
        + decimal(plain.getTestAccuracy())
        + ", "
        + count(plain.getParameters())
        + " parameters; derived / plain test error "
        + (plainError > 0 ? decimal(derivedError / plainError) : "-")
        + (derivedError < plainError ? " (the search won)" : " (the search did not win)");
  }

  static String phase(Phase phase) {
    return words(phase.name(), "PHASE_");
  }

  /** "running" for SEARCH_STATE_RUNNING. */
  static String state(SearchState state) {
    return words(state.name(), "SEARCH_STATE_");
  }

  private static String words(String constant, String prefix) {
    String bare = constant.startsWith(prefix) ? constant.substring(prefix.length()) : constant;
    return bare.toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /**
   * Rows laid out in columns two spaces apart, the last column left ragged so that long
   * architecture encodings do not pad every other row.
   */
  static List<String> table(List<String> header, List<List<String>> rows, boolean[] rightAligned) {
    int[] widths = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int c = 0; c < row.size(); c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.size(); c++) {
        String cell = row.get(c);
        boolean last = c == row.size() - 1;
        if (c > 0) {
          line.append("  ");
        }
        String pad = " ".repeat(widths[c] - cell.length());
        if (rightAligned[c]) {
          line.append(pad).append(cell);
        } else {
          line.append(cell).append(last ? "" : pad);
        }
      }
      lines.add(line.toString());
    }
    return lines;
  }
}
