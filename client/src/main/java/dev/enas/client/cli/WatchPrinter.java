package dev.enas.client.cli;

import dev.enas.proto.v1.Phase;
import dev.enas.proto.v1.Progress;
import dev.enas.proto.v1.RankCheckedArchitecture;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchSpec;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The human view of a watched search: one progress bar for the phase under way (shared steps of the
 * epoch, controller updates of the epoch, derivation, final-training epochs) carrying the current
 * loss or reward, the baseline and the best reward so far, and one report line per finished epoch,
 * derivation, final epoch and outcome, which is what stays on the screen.
 *
 * <p>Events carry their epoch, so a bar opens on its phase's first event rather than on the phase
 * change; a watch that starts in the middle of the history still labels bars correctly.
 */
final class WatchPrinter implements AutoCloseable {
  private final PrintWriter out;
  private final Supplier<ProgressLine> lines;
  private final int epochs;
  private final int updatesPerEpoch;
  private final int deriveSamples;
  private long stepsPerEpoch;

  private ProgressBar bar;
  private ProgressLine line;
  private String barKind = "";
  private long lastStep;
  // Shared steps counted since the epoch's shared phase began, when the watch saw it begin:
  // exact whatever the server numbers steps from.
  private long stepsInEpoch = -1;
  private double bestReward = Double.NaN;

  /**
   * @param search the search as it was when the watch began; its resolved spec gives the totals
   * @param midway whether the watch starts after the first event, so that the best reward so far
   *     comes from the search rather than from events the watch will not see
   * @param lines a fresh line for each bar; null for no bars, only report lines
   */
  WatchPrinter(Search search, boolean midway, PrintWriter out, Supplier<ProgressLine> lines) {
    this.out = out;
    this.lines = lines;
    SearchSpec spec = search.getSpec();
    Progress progress = search.getProgress();
    this.epochs = progress.getEpochs() > 0 ? progress.getEpochs() : spec.getShared().getEpochs();
    this.updatesPerEpoch = spec.getController().getUpdatesPerEpoch();
    this.deriveSamples = spec.getDerive().getSamples();
    if (spec.getShared().getStepsPerEpoch() > 0) {
      stepsPerEpoch = spec.getShared().getStepsPerEpoch();
    } else if (progress.getEpoch() > 0) {
      stepsPerEpoch = progress.getSteps() / progress.getEpoch();
    }
    if (midway && search.hasBest()) {
      bestReward = search.getBest().getReward();
    }
  }

  void accept(SearchEvent event) {
    switch (event.getKindCase()) {
      case PHASE_CHANGED -> phaseChanged(event.getPhaseChanged());
      case CHILD_TRAINED -> childTrained(event.getChildTrained());
      case STEP_SKIPPED -> stepSkipped(event.getStepSkipped());
      case ARCHITECTURE_SAMPLED -> sampled(event.getArchitectureSampled());
      case CONTROLLER_UPDATED -> updated(event.getControllerUpdated());
      case EPOCH_FINISHED -> epochFinished(event.getEpochFinished());
      case DERIVED -> derived(event.getDerived());
      case CANDIDATE_SCREENED -> screened(event.getCandidateScreened());
      case RANK_CHECK_TRAINED -> rankChecked(event.getRankCheckTrained());
      case FINAL_TRAINING_PROGRESS -> finalProgress(event.getFinalTrainingProgress());
      case FINISHED -> finished(event.getFinished());
      case FAILED -> {
        closeBar();
        report("failed: " + event.getFailed().getReason());
      }
      case CANCELLED -> {
        closeBar();
        String reason = event.getCancelled().getReason();
        report("cancelled" + (reason.isEmpty() ? "" : ": " + reason));
      }
      default -> {
        // A kind from a newer server: the proto asks clients to skip what they do not know.
      }
    }
  }

  @Override
  public void close() {
    closeBar();
  }

  private void phaseChanged(SearchEvent.PhaseChanged change) {
    closeBar();
    stepsInEpoch = change.getPhase() == Phase.PHASE_SHARED_TRAINING ? 0 : -1;
    switch (change.getPhase()) {
      case PHASE_DERIVING -> {
        report("deriving: scoring " + Text.count(deriveSamples) + " candidates");
        openBar("derive", "deriving", -1);
      }
      case PHASE_FINAL_TRAINING -> report("final training of the derived child");
      case PHASE_EXPORTING -> report("exporting");
      case PHASE_BASELINE_TRAINING -> report("retraining the plain child with the same budget");
      default -> {
        // Search phases open their bars on their first event, which carries the epoch.
      }
    }
  }

  private void childTrained(SearchEvent.ChildTrained trained) {
    sharedStep(trained.getEpoch(), trained.getStep());
    setMessage(
        "loss "
            + Text.decimal(trained.getLoss())
            + (trained.hasPerplexity() ? " ppl " + Text.decimal(trained.getPerplexity()) : "")
            + " best "
            + Text.decimal(bestReward));
  }

  private void stepSkipped(SearchEvent.StepSkipped skipped) {
    sharedStep(skipped.getEpoch(), skipped.getStep());
    report(
        "epoch "
            + (skipped.getEpoch() + 1)
            + " step "
            + skipped.getStep()
            + " skipped ("
            + skipped.getInARow()
            + " in a row): "
            + skipped.getReason());
  }

  private void sharedStep(int epoch, long step) {
    lastStep = step;
    if (stepsInEpoch >= 0) {
      stepsInEpoch++;
    }
    ensureBar(
        "shared" + epoch, epochLabel(epoch) + " shared", stepsPerEpoch > 0 ? stepsPerEpoch : -1);
    if (bar != null) {
      if (stepsInEpoch >= 0) {
        bar.stepTo(stepsInEpoch);
      } else {
        bar.stepTo(stepsPerEpoch > 0 ? step - epoch * stepsPerEpoch : step);
      }
    }
  }

  private void sampled(SearchEvent.ArchitectureSampled sample) {
    if (Double.isNaN(bestReward) || sample.getReward() > bestReward) {
      bestReward = sample.getReward();
    }
    if (barKind.equals("derive")) {
      return;
    }
    controllerBar(sample.getEpoch(), sample.getPolicyVersion());
    setMessage(
        "reward "
            + Text.decimal(sample.getReward())
            + (sample.hasPerplexity() ? " val ppl " + Text.decimal(sample.getPerplexity()) : "")
            + " baseline "
            + Text.decimal(sample.getBaseline())
            + " best "
            + Text.decimal(bestReward));
  }

  private void updated(SearchEvent.ControllerUpdated update) {
    controllerBar(update.getEpoch(), update.getPolicyVersion());
    setMessage(
        "reward "
            + Text.decimal(update.getMeanReward())
            + " baseline "
            + Text.decimal(update.getBaseline())
            + " best "
            + Text.decimal(bestReward));
  }

  private void controllerBar(int epoch, long policyVersion) {
    ensureBar(
        "controller" + epoch,
        epochLabel(epoch) + " controller",
        updatesPerEpoch > 0 ? updatesPerEpoch : -1);
    if (bar != null && updatesPerEpoch > 0) {
      bar.stepTo(policyVersion - (long) epoch * updatesPerEpoch);
    }
  }

  private String epochLabel(int epoch) {
    // A server that left the totals out of the search still gets a truthful label.
    return "epoch " + (epoch + 1) + (epochs > 0 ? "/" + epochs : "");
  }

  private void epochFinished(SearchEvent.EpochFinished done) {
    closeBar();
    if (stepsPerEpoch == 0) {
      if (stepsInEpoch > 0) {
        stepsPerEpoch = stepsInEpoch;
      } else if (lastStep > 0) {
        stepsPerEpoch = lastStep / (done.getEpoch() + 1);
      }
    }
    stepsInEpoch = -1;
    if (!Double.isNaN(done.getBestReward())
        && (Double.isNaN(bestReward) || done.getBestReward() > bestReward)) {
      bestReward = done.getBestReward();
    }
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "epoch %s  loss %s  reward %s  best %s",
                fraction(done.getEpoch() + 1, done.getEpochs()),
                Text.decimal(done.getMeanTrainLoss()),
                Text.decimal(done.getMeanReward()),
                Text.decimal(done.getBestReward())));
    if (done.hasBestArchitecture()) {
      text.append("  ").append(done.getBestArchitecture().getEncoding());
    }
    if (done.hasDuration()) {
      text.append("  (").append(Text.duration(done.getDuration())).append(')');
    }
    report(text.toString());
  }

  private void derived(SearchEvent.Derived derived) {
    closeBar();
    String how;
    if (derived.getScreenSteps() > 0) {
      how = ", the best screened by " + derived.getScreenSteps() + " steps of training each:";
    } else if ("most-probable".equals(derived.getSelection())) {
      how =
          ": the policy's most probable child first, then the best-scored samples"
              + " (reward on the validation batches):";
    } else {
      how = ", best reward first:";
    }
    report("derived from " + Text.count(derived.getSampled()) + " candidates" + how);
    int rank = 1;
    for (SearchEvent.Candidate c : derived.getTopList()) {
      report(
          String.format(
              Locale.ROOT,
              "%4d. %s%s  %s",
              rank++,
              Text.decimal(c.getReward()),
              screening(c),
              c.getArchitecture().getEncoding()));
    }
  }

  private void screened(SearchEvent.CandidateScreened s) {
    ensureBar("screen", "screening", s.getCount());
    if (bar != null) {
      bar.stepTo(s.getIndex() + 1L);
    }
    report(
        String.format(
            Locale.ROOT,
            "screened %s  reward %s%s  %s",
            fraction(s.getIndex() + 1, s.getCount()),
            Text.decimal(s.getCandidate().getReward()),
            screening(s.getCandidate()),
            s.getCandidate().getArchitecture().getEncoding()));
  }

  private void rankChecked(SearchEvent.RankCheckTrained t) {
    ensureBar("rank", "rank check", t.getCount());
    if (bar != null) {
      bar.stepTo(t.getIndex() + 1L);
    }
    RankCheckedArchitecture a = t.getArchitecture();
    String alone =
        a.hasStandalonePerplexity()
            ? "val ppl " + Text.decimal(a.getStandalonePerplexity())
            : "val acc " + Text.decimal(a.getStandaloneAccuracy());
    report(
        String.format(
            Locale.ROOT,
            "rank check %s  reward %s  alone %s  %s",
            fraction(t.getIndex() + 1, t.getCount()),
            Text.decimal(a.getReward()),
            alone,
            a.getArchitecture().getEncoding()));
  }

  /** A candidate's screening figure, or nothing for one that was not screened. */
  private static String screening(SearchEvent.Candidate c) {
    if (c.hasScreenPerplexity()) {
      return "  screened val ppl " + Text.decimal(c.getScreenPerplexity());
    }
    return c.hasScreenAccuracy() ? "  screened val acc " + Text.decimal(c.getScreenAccuracy()) : "";
  }

  private void finalProgress(SearchEvent.FinalTrainingProgress p) {
    String kind = p.getPlainBaseline() ? "baseline" : "final";
    String task = p.getPlainBaseline() ? "plain baseline" : "final training";
    if (p.hasValidationPerplexity()) {
      ensureBar(kind, task, p.getEpochs());
      if (bar != null) {
        bar.stepTo(p.getEpoch() + 1L);
        setMessage(
            "loss "
                + Text.decimal(p.getTrainLoss())
                + " val ppl "
                + Text.decimal(p.getValidationPerplexity()));
      }
      report(
          String.format(
              Locale.ROOT,
              "%s %s  loss %s  val ppl %s",
              kind,
              fraction(p.getEpoch() + 1, p.getEpochs()),
              Text.decimal(p.getTrainLoss()),
              Text.decimal(p.getValidationPerplexity())));
      return;
    }
    ensureBar(kind, task, p.getEpochs());
    if (bar != null) {
      bar.stepTo(p.getEpoch() + 1L);
      setMessage(
          "loss "
              + Text.decimal(p.getTrainLoss())
              + " val acc "
              + Text.decimal(p.getValidationAccuracy()));
    }
    report(
        String.format(
            Locale.ROOT,
            "%s %s  loss %s  train acc %s  val acc %s",
            kind,
            fraction(p.getEpoch() + 1, p.getEpochs()),
            Text.decimal(p.getTrainLoss()),
            Text.decimal(p.getTrainAccuracy()),
            Text.decimal(p.getValidationAccuracy())));
  }

  private void finished(SearchEvent.Finished done) {
    closeBar();
    String took = done.hasDuration() ? ", took " + Text.duration(done.getDuration()) : "";
    String figure =
        done.hasTestPerplexity()
            ? "test perplexity " + Text.decimal(done.getTestPerplexity())
            : "test accuracy " + Text.decimal(done.getTestAccuracy());
    report("succeeded: " + figure + ", " + Text.count(done.getParameters()) + " parameters" + took);
    report("  " + done.getArchitecture().getEncoding());
    if (done.hasPlainBaseline()) {
      report(
          "plain baseline: "
              + Text.plainBaseline(
                  done.getPlainBaseline(),
                  done.getTestAccuracy(),
                  done.getTestPerplexity(),
                  done.hasTestPerplexity()));
      report("  " + done.getPlainBaseline().getArchitecture().getEncoding());
    }
    if (done.hasRankCheck()) {
      report("rank check: " + Text.rankCheck(done.getRankCheck()));
    }
  }

  private static String fraction(int done, int total) {
    String width = "%" + Integer.toString(total).length() + "d";
    return String.format(Locale.ROOT, width + "/%d", done, total);
  }

  private void ensureBar(String kind, String task, long max) {
    if (!barKind.equals(kind)) {
      closeBar();
      openBar(kind, task, max);
    }
  }

  private void openBar(String kind, String task, long max) {
    barKind = kind;
    if (lines == null) {
      return;
    }
    line = lines.get();
    bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(max)
            .setStyle(ProgressBarStyle.UNICODE_BLOCK)
            .setUpdateIntervalMillis(200)
            .setConsumer(line)
            .clearDisplayOnFinish()
            .build();
  }

  private void setMessage(String message) {
    if (bar != null) {
      bar.setExtraMessage(message);
    }
  }

  private void closeBar() {
    barKind = "";
    if (bar != null) {
      bar.close();
      // progressbar skips clearing and closing its consumer when the bar closes before its
      // first scheduled draw, which a short phase does: the line is closed here as well.
      line.close();
      bar = null;
      line = null;
    }
  }

  private void report(String text) {
    if (line != null) {
      line.printAbove(
          () -> {
            out.println(text);
            out.flush();
          });
    } else {
      out.println(text);
      out.flush();
    }
  }
}
