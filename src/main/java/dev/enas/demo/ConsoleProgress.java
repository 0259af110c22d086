package dev.enas.demo;

import dev.enas.train.Phase;
import dev.enas.train.SearchEvent;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Renders search events on a terminal: a progress bar for the running phase with the latest loss,
 * reward and baseline, redrawn in place, and one permanent line per finished epoch.
 */
final class ConsoleProgress implements Consumer<SearchEvent> {
  private static final int BAR = 24;

  private final PrintStream out;
  private final int stepsPerEpoch;
  private final int childrenPerEpoch;
  private int epoch;
  private int epochs;
  private int done;
  private double loss = Double.NaN;
  private double reward = Double.NaN;
  private double baseline = Double.NaN;
  private Phase phase = Phase.PENDING;
  private String best = "";
  private double bestReward = Double.NaN;
  private boolean lineOpen;

  ConsoleProgress(PrintStream out, int stepsPerEpoch, int childrenPerEpoch, int epochs) {
    this.out = out;
    this.stepsPerEpoch = stepsPerEpoch;
    this.childrenPerEpoch = childrenPerEpoch;
    this.epochs = epochs;
  }

  @Override
  public void accept(SearchEvent event) {
    if (event instanceof SearchEvent.PhaseChanged p) {
      phase = p.phase();
      done = 0;
    } else if (event instanceof SearchEvent.ChildTrained c) {
      epoch = c.epoch();
      loss = c.loss();
      done++;
      redraw(stepsPerEpoch, String.format("loss %.3f lr %.4f", loss, c.learningRate()));
    } else if (event instanceof SearchEvent.StepSkipped s) {
      done++;
      println("  step " + s.step() + " skipped: " + s.reason());
    } else if (event instanceof SearchEvent.ArchitectureSampled a) {
      reward = a.reward();
      done++;
      redraw(childrenPerEpoch, String.format("reward %.3f baseline %.3f", reward, a.baseline()));
    } else if (event instanceof SearchEvent.ControllerUpdated u) {
      baseline = u.baseline();
    } else if (event instanceof SearchEvent.EpochFinished e) {
      epochs = e.epochs();
      best = e.bestArchitecture();
      bestReward = e.bestReward();
      println(
          String.format(
              "epoch %d/%d  train loss %.3f  mean reward %.3f  baseline %.3f  %.1fs",
              e.epoch() + 1, e.epochs(), e.meanTrainLoss(), e.meanReward(), baseline, e.seconds()));
      println(String.format("  best so far (reward %.3f): %s", bestReward, best));
    } else if (event instanceof SearchEvent.Derived d) {
      println("derived from " + d.sampled() + " samples of the trained policy:");
      for (SearchEvent.Candidate c : d.top()) {
        println(
            String.format(
                "  reward %.3f  log p %7.2f  %s",
                c.reward(), c.logProbability(), c.architecture()));
      }
    } else if (event instanceof SearchEvent.FinalTrainingProgress f) {
      println(
          String.format(
              "retrain epoch %d/%d  loss %.3f  train acc %.3f  validation acc %.3f",
              f.epoch() + 1, f.epochs(), f.trainLoss(), f.trainAccuracy(), f.validationAccuracy()));
    } else if (event instanceof SearchEvent.Finished f) {
      println(String.format("finished in %.0fs: %s", f.seconds(), f.architecture()));
      println(
          String.format(
              "retrained child: %,d parameters, test accuracy %.4f",
              f.parameters(), f.testAccuracy()));
    } else if (event instanceof SearchEvent.Failed f) {
      println("search failed: " + f.reason());
    } else if (event instanceof SearchEvent.Cancelled c) {
      println("search cancelled: " + c.reason());
    }
  }

  private void redraw(int total, String detail) {
    int filled = total == 0 ? BAR : Math.min(BAR, done * BAR / total);
    String bar = "#".repeat(filled) + ".".repeat(BAR - filled);
    String label = phase == Phase.SHARED_TRAINING ? "shared" : "controller";
    out.printf(
        "\r[%s] epoch %d/%d %-10s %4d/%-4d %s ",
        bar, epoch + 1, epochs, label, Math.min(done, total), total, detail);
    out.flush();
    lineOpen = true;
  }

  private void println(String line) {
    if (lineOpen) {
      out.print("\r" + " ".repeat(100) + "\r");
      lineOpen = false;
    }
    out.println(line);
  }
}
