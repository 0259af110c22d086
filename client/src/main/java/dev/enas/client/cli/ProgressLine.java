package dev.enas.client.cli;

import java.io.PrintWriter;
import java.util.function.IntSupplier;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * Where one progress bar draws itself: a single line of the error stream, rewritten in place, that
 * steps aside while a line of the report is printed above it. The bar draws from its own thread;
 * every write here holds this object's lock, so a report line and a redraw never mix. Closing
 * erases the bar for good: the report lines are what stays on the screen.
 */
final class ProgressLine implements ProgressBarConsumer {
  private final PrintWriter err;
  private final IntSupplier width;
  private String shown = "";
  private boolean closed;

  /**
   * @param width the longest line the terminal shows without wrapping, asked at every draw
   */
  ProgressLine(PrintWriter err, IntSupplier width) {
    this.err = err;
    this.width = width;
  }

  @Override
  public int getMaxRenderedLength() {
    return Math.max(20, width.getAsInt());
  }

  @Override
  public synchronized void accept(String rendered) {
    if (closed) {
      // A periodic redraw that started before the bar closed must not bring the line back.
      return;
    }
    int max = getMaxRenderedLength();
    String line = rendered.length() > max ? rendered.substring(0, max) : rendered;
    erase();
    shown = line;
    err.print(line);
    err.flush();
  }

  /** Runs {@code print} with the bar out of the way, then draws the bar again under it. */
  synchronized void printAbove(Runnable print) {
    erase();
    err.flush();
    print.run();
    err.print(shown);
    err.flush();
  }

  @Override
  public synchronized void clear() {
    erase();
    shown = "";
    err.flush();
  }

  @Override
  public synchronized void close() {
    clear();
    closed = true;
  }

  private void erase() {
    if (!shown.isEmpty()) {
      err.print('\r' + " ".repeat(shown.length()) + '\r');
    }
  }
}
