package dev.enas.controller;

import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.SearchSpace;
import dev.enas.spec.ControllerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ENAS controller: an LSTM that takes one step per decision of the space's program and is
 * trained by REINFORCE with a moving-average baseline.
 *
 * <p>Per step: the LSTM reads the previous decision's embedding (an op embedding, the chosen
 * anchor, the mean of the chosen skip anchors, or the learned "go" vector) and its output drives
 * the decision. Op decisions use logits {@code W_soft h}; attention decisions (inputs and skips)
 * use {@code v . tanh(W1 h_j + W2 h)} over the anchors h_j. Logits pass through {@code c *
 * tanh(logits / T)}. A skip bit is Bernoulli with probability {@code sigmoid(logit)}.
 *
 * <p>The loss of a sample with reward R is {@code -(R + w_H * H - b) * log p + w_skip * KL}, where
 * H is the sample's entropy, b the baseline before this update and KL the skip penalty against the
 * target skip probability. The baseline starts at the first batch's mean reward (rather than 0,
 * which would take hundreds of updates to catch up at decay 0.99) and then decays as {@code b = d *
 * b + (1 - d) * mean(R + w_H * H)}.
 *
 * <p>Pure Java with hand-written back-propagation: a 12-layer sample takes well under a
 * millisecond, and controller updates never compete with the child network for the single autograd
 * context of the device.
 */
public final class LstmController implements Controller {
  private static final int GO = 0;
  private static final int OP = 1;
  private static final int ANCHOR = 2;
  private static final int MEAN = 3;

  private final SearchSpace space;
  private final ControllerSpec spec;
  private final int hidden;
  private final int layers;
  private final int numOps;
  private final ParameterSet params = new ParameterSet();
  private final double[] go;
  private final double[] opEmbedding;
  private final double[] opSoftmax;
  private final double[][] lstmWeight;
  private final double[][] lstmBias;
  private final double[] attention1;
  private final double[] attention2;
  private final double[] attentionV;
  private final Adam adam;
  private Rng rng;
  private final double skipTargetLogit;
  private double baseline = Double.NaN;
  private long policyVersion;

  /** A new controller with parameters drawn from the seed. */
  public LstmController(SearchSpace space, ControllerSpec spec, long seed) {
    this.space = space;
    this.spec = spec.validate();
    this.hidden = spec.hiddenSize();
    this.layers = spec.lstmLayers();
    this.numOps = space.numOps();
    go = params.add("go", hidden);
    opEmbedding = params.add("op.embedding", numOps * hidden);
    lstmWeight = new double[layers][];
    lstmBias = new double[layers][];
    for (int l = 0; l < layers; l++) {
      lstmWeight[l] = params.add("lstm." + l + ".weight", 4 * hidden * 2 * hidden);
      lstmBias[l] = params.add("lstm." + l + ".bias", 4 * hidden);
    }
    opSoftmax = params.add("op.softmax", numOps * hidden);
    attention1 = params.add("attention.w1", hidden * hidden);
    attention2 = params.add("attention.w2", hidden * hidden);
    attentionV = params.add("attention.v", hidden);
    Rng init = new Rng(seed ^ 0x5DEECE66DL);
    for (String name : params.names()) {
      double[] values = params.get(name);
      for (int i = 0; i < values.length; i++) {
        values[i] = (2 * init.nextDouble() - 1) * spec.initRange();
      }
    }
    adam = new Adam(params, spec.adamBeta2(), spec.adamEpsilon());
    rng = new Rng(seed);
    skipTargetLogit = Math.log(spec.skipTarget() / (1 - spec.skipTarget()));
  }

  /** A controller continuing exactly from a snapshot taken of one with the same space and spec. */
  public static LstmController restore(
      SearchSpace space, ControllerSpec spec, ControllerState state) {
    if (!"enas".equals(state.kind())) {
      throw new IllegalArgumentException("state is of a '" + state.kind() + "' controller");
    }
    LstmController c = new LstmController(space, spec, 0);
    c.params.load(state.parameters());
    c.adam.restore(state.adamSecondMoment(), state.adamSteps());
    c.rng = new Rng(state.rngState());
    c.baseline = state.baseline();
    c.policyVersion = state.policyVersion();
    return c;
  }

  @Override
  public SearchSpace space() {
    return space;
  }

  public ControllerSpec spec() {
    return spec;
  }

  /** Read-only view of the named parameters, for tests and inspection. */
  public Map<String, double[]> parameters() {
    return params.view();
  }

  @Override
  public Sample sample() {
    Rollout r = run(null, rng, false);
    return new Sample(
        space.fromDecisions(r.values), r.logProb, r.entropy, r.skipPenalty, policyVersion);
  }

  /**
   * The policy's most probable child by greedy decoding: each decision takes its most probable
   * value given the decisions before it (a skip is taken when its probability exceeds one half).
   * Draws nothing from the sampling stream.
   */
  @Override
  public Sample mostProbable() {
    Rollout r = run(null, null, false);
    return new Sample(
        space.fromDecisions(r.values), r.logProb, r.entropy, r.skipPenalty, policyVersion);
  }

  @Override
  public Sample score(Architecture architecture) {
    checkSpace(architecture);
    Rollout r = run(architecture.decisions(), null, false);
    return new Sample(architecture, r.logProb, r.entropy, r.skipPenalty, policyVersion);
  }

  @Override
  public UpdateResult update(List<Reward> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("an update needs at least one rewarded sample");
    }
    int n = batch.size();
    double[] effective = new double[n];
    double meanRaw = 0;
    double meanEffective = 0;
    for (int k = 0; k < n; k++) {
      Reward reward = batch.get(k);
      checkSpace(reward.sample().architecture());
      effective[k] = reward.reward() + spec.entropyWeight() * reward.sample().entropy();
      meanRaw += reward.reward() / n;
      meanEffective += effective[k] / n;
    }
    if (Double.isNaN(baseline)) {
      baseline = meanEffective;
    }
    ParameterSet grads = params.zerosLike();
    double loss = 0;
    double meanEntropy = 0;
    for (int k = 0; k < n; k++) {
      double advantage = effective[k] - baseline;
      Rollout r = run(batch.get(k).sample().architecture().decisions(), null, true);
      loss += (-advantage * r.logProb + spec.skipWeight() * r.skipPenalty) / n;
      meanEntropy += r.entropy / n;
      backward(r, advantage / n, spec.skipWeight() / n, grads);
    }
    double norm = Math.sqrt(grads.squaredNorm());
    if (spec.gradientClip() > 0 && norm > spec.gradientClip()) {
      grads.scale(spec.gradientClip() / norm);
    }
    adam.step(params, grads, spec.learningRate());
    baseline = spec.baselineDecay() * baseline + (1 - spec.baselineDecay()) * meanEffective;
    policyVersion++;
    return new UpdateResult(policyVersion, n, meanRaw, meanEntropy, baseline, loss, norm);
  }

  /**
   * Gradients of the loss {@code sum_k [-advantage_k * log p_k + skipWeight * KL_k] / n} for one
   * batch, without applying them; for gradient checks.
   */
  Map<String, double[]> gradients(List<int[]> decisions, double[] advantages) {
    ParameterSet grads = params.zerosLike();
    int n = decisions.size();
    for (int k = 0; k < n; k++) {
      Rollout r = run(decisions.get(k), null, true);
      backward(r, advantages[k] / n, spec.skipWeight() / n, grads);
    }
    return grads.view();
  }

  /** The loss that {@link #gradients} differentiates, for gradient checks. */
  double loss(List<int[]> decisions, double[] advantages) {
    int n = decisions.size();
    double loss = 0;
    for (int k = 0; k < n; k++) {
      Rollout r = run(decisions.get(k), null, false);
      loss += (-advantages[k] * r.logProb + spec.skipWeight() * r.skipPenalty) / n;
    }
    return loss;
  }

  @Override
  public long policyVersion() {
    return policyVersion;
  }

  @Override
  public double baseline() {
    return baseline;
  }

  @Override
  public ControllerState snapshot() {
    return new ControllerState(
        "enas",
        rng.state(),
        policyVersion,
        baseline,
        params.view(),
        adam.secondMoment().view(),
        adam.steps());
  }

  private void checkSpace(Architecture architecture) {
    if (!architecture.space().equals(space)) {
      throw new IllegalArgumentException(
          "architecture of "
              + architecture.space().describe()
              + " given to a controller of "
              + space.describe());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Forward pass

  /** One anchor: the step that produced it, its output and W1 times that output. */
  private record AnchorRef(int step, double[] h, double[] keyed) {}

  /** Cached activations of one LSTM step and its decision, kept for back-propagation. */
  private static final class Step {
    int source;
    int sourceIndex;
    int[] meanAnchors;
    double meanDenominator;
    double[][] input;
    double[][] hPrev;
    double[][] cPrev;
    double[][] gates;
    double[][] c;
    double[][] tanhC;
    double[] top;
    Decision decision;
    double[] probs;
    double[] scaled;
    double[] scaleDerivative;
    int[] chosen;
    int firstAnchor;
    double[] query;
    double[][] squashed;
  }

  private static final class Rollout {
    int[] values;
    double logProb;
    double entropy;
    double skipPenalty;
    List<Step> steps;
    List<AnchorRef> anchors;
  }

  /**
   * Runs the decision program. With {@code forced} null, decisions are drawn from {@code rng};
   * otherwise they are read from {@code forced}. With {@code keep}, every activation is cached.
   */
  private Rollout run(int[] forced, Rng random, boolean keep) {
    Rollout out = new Rollout();
    out.values = new int[space.decisionWidth()];
    if (forced != null && forced.length != out.values.length) {
      throw new IllegalArgumentException(
          "expected " + out.values.length + " decisions, found " + forced.length);
    }
    out.steps = keep ? new ArrayList<>() : null;
    List<AnchorRef> anchors = new ArrayList<>();
    out.anchors = anchors;
    double[][] h = new double[layers][hidden];
    double[][] c = new double[layers][hidden];
    double[] x = go;
    int source = GO;
    int sourceIndex = 0;
    int[] meanAnchors = null;
    double meanDenominator = 1;
    int cursor = 0;
    double opTanh = spec.tanhConstant() / spec.opTanhReduce();
    for (Decision decision : space.decisions()) {
      Step step = new Step();
      step.source = source;
      step.sourceIndex = sourceIndex;
      step.meanAnchors = meanAnchors;
      step.meanDenominator = meanDenominator;
      step.decision = decision;
      double[] top = lstmStep(x, h, c, keep ? step : null);
      step.top = top;
      int stepIndex = keep ? out.steps.size() : -1;
      if (decision instanceof Decision.Op) {
        double[] logits = new double[numOps];
        matVec(opSoftmax, numOps, hidden, top, logits);
        int chosen = categoricalDecision(logits, opTanh, step, forced, cursor, random, out);
        out.values[cursor++] = chosen;
        x = row(opEmbedding, chosen);
        source = OP;
        sourceIndex = chosen;
        meanAnchors = null;
      } else if (decision instanceof Decision.Input input) {
        int first = anchors.size() - input.candidates();
        double[] logits = attend(top, anchors, first, step);
        int chosen =
            categoricalDecision(logits, spec.tanhConstant(), step, forced, cursor, random, out);
        out.values[cursor++] = chosen;
        AnchorRef anchor = anchors.get(first + chosen);
        x = anchor.h();
        source = ANCHOR;
        sourceIndex = first + chosen;
        meanAnchors = null;
      } else if (decision instanceof Decision.Skips skips) {
        int first = anchors.size() - skips.previous();
        if (skips.previous() > 0) {
          double[] logits = attend(top, anchors, first, step);
          int[] bits = skipDecision(logits, step, forced, cursor, random, out);
          System.arraycopy(bits, 0, out.values, cursor, bits.length);
          cursor += bits.length;
          int count = 0;
          for (int bit : bits) {
            count += bit;
          }
          int[] chosenAnchors = new int[count];
          double[] mean = new double[hidden];
          int at = 0;
          for (int j = 0; j < bits.length; j++) {
            if (bits[j] == 1) {
              chosenAnchors[at++] = first + j;
              double[] anchorH = anchors.get(first + j).h();
              for (int i = 0; i < hidden; i++) {
                mean[i] += anchorH[i];
              }
            }
          }
          double denominator = 1 + count;
          for (int i = 0; i < hidden; i++) {
            mean[i] /= denominator;
          }
          x = mean;
          source = MEAN;
          meanAnchors = chosenAnchors;
          meanDenominator = denominator;
        } else {
          x = go;
          source = GO;
          meanAnchors = null;
        }
        anchors.add(anchorOf(stepIndex, top));
      } else if (decision instanceof Decision.Anchor) {
        anchors.add(anchorOf(stepIndex, top));
        x = go;
        source = GO;
        meanAnchors = null;
      }
      if (keep) {
        out.steps.add(step);
      }
    }
    return out;
  }

  private static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private AnchorRef anchorOf(int stepIndex, double[] top) {
    double[] keyed = new double[hidden];
    matVec(attention1, hidden, hidden, top, keyed);
    return new AnchorRef(stepIndex, top, keyed);
  }

  /** One step of the stacked LSTM; updates h and c in place and returns the top output. */
  private double[] lstmStep(double[] x, double[][] h, double[][] c, Step cache) {
    if (cache != null) {
      cache.input = new double[layers][];
      cache.hPrev = new double[layers][];
      cache.cPrev = new double[layers][];
      cache.gates = new double[layers][];
      cache.c = new double[layers][];
      cache.tanhC = new double[layers][];
    }
    double[] in = x;
    int width = 2 * hidden;
    for (int l = 0; l < layers; l++) {
      double[] w = lstmWeight[l];
      double[] b = lstmBias[l];
      double[] hp = h[l];
      double[] cp = c[l];
      double[] z = new double[4 * hidden];
      for (int r = 0; r < 4 * hidden; r++) {
        int base = r * width;
        double sum = b[r];
        for (int i = 0; i < hidden; i++) {
          sum += w[base + i] * in[i];
        }
        for (int i = 0; i < hidden; i++) {
          sum += w[base + hidden + i] * hp[i];
        }
        z[r] = sum;
      }
      double[] hn = new double[hidden];
      double[] cn = new double[hidden];
      double[] tc = new double[hidden];
      for (int i = 0; i < hidden; i++) {
        double gi = sigmoid(z[i]);
        double gf = sigmoid(z[hidden + i]);
        double gg = Math.tanh(z[2 * hidden + i]);
        double go = sigmoid(z[3 * hidden + i]);
        z[i] = gi;
        z[hidden + i] = gf;
        z[2 * hidden + i] = gg;
        z[3 * hidden + i] = go;
        cn[i] = gf * cp[i] + gi * gg;
        tc[i] = Math.tanh(cn[i]);
        hn[i] = go * tc[i];
      }
      if (cache != null) {
        cache.input[l] = in;
        cache.hPrev[l] = hp;
        cache.cPrev[l] = cp;
        cache.gates[l] = z;
        cache.c[l] = cn;
        cache.tanhC[l] = tc;
      }
      h[l] = hn;
      c[l] = cn;
      in = hn;
    }
    return in;
  }

  /** Attention logits v . tanh(W1 h_j + W2 top) over anchors first..end. */
  private double[] attend(double[] top, List<AnchorRef> anchors, int first, Step cache) {
    int count = anchors.size() - first;
    double[] query = new double[hidden];
    matVec(attention2, hidden, hidden, top, query);
    double[] logits = new double[count];
    double[][] squashed = new double[count][];
    for (int j = 0; j < count; j++) {
      double[] keyed = anchors.get(first + j).keyed();
      double[] e = new double[hidden];
      double sum = 0;
      for (int i = 0; i < hidden; i++) {
        e[i] = Math.tanh(keyed[i] + query[i]);
        sum += attentionV[i] * e[i];
      }
      squashed[j] = e;
      logits[j] = sum;
    }
    cache.firstAnchor = first;
    cache.query = query;
    cache.squashed = squashed;
    return logits;
  }

  private double scale(double logit, double tanhConstant) {
    double t = logit / spec.temperature();
    return tanhConstant > 0 ? tanhConstant * Math.tanh(t) : t;
  }

  private double scaleDerivative(double logit, double tanhConstant) {
    double t = logit / spec.temperature();
    if (tanhConstant > 0) {
      double th = Math.tanh(t);
      return tanhConstant * (1 - th * th) / spec.temperature();
    }
    return 1 / spec.temperature();
  }

  private int categoricalDecision(
      double[] logits,
      double tanhConstant,
      Step step,
      int[] forced,
      int cursor,
      Rng random,
      Rollout out) {
    int k = logits.length;
    double[] scaled = new double[k];
    double[] derivative = new double[k];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      scaled[i] = scale(logits[i], tanhConstant);
      derivative[i] = scaleDerivative(logits[i], tanhConstant);
      max = Math.max(max, scaled[i]);
    }
    double total = 0;
    double[] probs = new double[k];
    for (int i = 0; i < k; i++) {
      probs[i] = Math.exp(scaled[i] - max);
      total += probs[i];
    }
    double logTotal = Math.log(total) + max;
    double entropy = 0;
    for (int i = 0; i < k; i++) {
      probs[i] /= total;
      if (probs[i] > 0) {
        entropy -= probs[i] * (scaled[i] - logTotal);
      }
    }
    int chosen;
    if (forced == null) {
      chosen = random == null ? argmax(probs) : random.categorical(probs);
    } else {
      chosen = forced[cursor];
      if (chosen < 0 || chosen >= k) {
        throw new IllegalArgumentException(
            "decision " + cursor + " is " + chosen + ", outside 0.." + (k - 1));
      }
    }
    out.logProb += scaled[chosen] - logTotal;
    out.entropy += entropy;
    step.probs = probs;
    step.scaleDerivative = derivative;
    step.chosen = new int[] {chosen};
    return chosen;
  }

  private int[] skipDecision(
      double[] logits, Step step, int[] forced, int cursor, Rng random, Rollout out) {
    int k = logits.length;
    double[] scaled = new double[k];
    double[] derivative = new double[k];
    double[] probs = new double[k];
    int[] bits = new int[k];
    double q = spec.skipTarget();
    for (int j = 0; j < k; j++) {
      double s = scale(logits[j], spec.tanhConstant());
      scaled[j] = s;
      derivative[j] = scaleDerivative(logits[j], spec.tanhConstant());
      double p = sigmoid(s);
      probs[j] = p;
      double logP = -softplus(-s);
      double logNotP = -softplus(s);
      if (forced == null) {
        bits[j] = (random == null ? 0.5 : random.nextDouble()) < p ? 1 : 0;
      } else {
        bits[j] = forced[cursor + j];
        if (bits[j] != 0 && bits[j] != 1) {
          throw new IllegalArgumentException(
              "decision " + (cursor + j) + " is " + bits[j] + ", a skip bit must be 0 or 1");
        }
      }
      out.logProb += bits[j] == 1 ? logP : logNotP;
      out.entropy -= p * logP + (1 - p) * logNotP;
      out.skipPenalty += p * (logP - Math.log(q)) + (1 - p) * (logNotP - Math.log(1 - q));
    }
    step.probs = probs;
    step.scaled = scaled;
    step.scaleDerivative = derivative;
    step.chosen = bits;
    return bits;
  }

  // ---------------------------------------------------------------------------------------------
  // Backward pass

  /**
   * Accumulates into {@code grads} the gradient of {@code -advantage * logProb + skipWeight * KL}
   * for one cached rollout (both weights already divided by the batch size).
   */
  private void backward(Rollout r, double advantage, double skipWeight, ParameterSet grads) {
    List<Step> steps = r.steps;
    int count = steps.size();
    double[][] anchorGrad = new double[count][];
    double[][] dhRecurrent = new double[layers][hidden];
    double[][] dcRecurrent = new double[layers][hidden];
    double[] gGo = grads.get("go");
    double[] gOpEmbedding = grads.get("op.embedding");
    double[] gOpSoftmax = grads.get("op.softmax");
    double[] gAttention1 = grads.get("attention.w1");
    double[] gAttention2 = grads.get("attention.w2");
    double[] gAttentionV = grads.get("attention.v");
    for (int t = count - 1; t >= 0; t--) {
      Step step = steps.get(t);
      double[] dTop = new double[hidden];
      if (anchorGrad[t] != null) {
        addTo(dTop, anchorGrad[t]);
      }
      if (step.decision instanceof Decision.Op) {
        double[] dLogits = categoricalGradient(step, advantage);
        for (int k = 0; k < numOps; k++) {
          double d = dLogits[k];
          if (d == 0) {
            continue;
          }
          int base = k * hidden;
          for (int i = 0; i < hidden; i++) {
            gOpSoftmax[base + i] += d * step.top[i];
            dTop[i] += d * opSoftmax[base + i];
          }
        }
      } else if (step.decision instanceof Decision.Input) {
        double[] dLogits = categoricalGradient(step, advantage);
        attentionBackward(
            step, dLogits, r.anchors, dTop, anchorGrad, gAttention1, gAttention2, gAttentionV);
      } else if (step.decision instanceof Decision.Skips skips) {
        if (skips.previous() > 0) {
          double[] dLogits = new double[skips.previous()];
          for (int j = 0; j < dLogits.length; j++) {
            double p = step.probs[j];
            double dScaled =
                -advantage * (step.chosen[j] - p)
                    + skipWeight * (step.scaled[j] - skipTargetLogit) * p * (1 - p);
            dLogits[j] = dScaled * step.scaleDerivative[j];
          }
          attentionBackward(
              step, dLogits, r.anchors, dTop, anchorGrad, gAttention1, gAttention2, gAttentionV);
        }
      } else if (step.decision instanceof Decision.Anchor) {
        // An anchor step decides nothing; its output only matters through later uses.
      }
      double[] dInput = lstmBackward(step, dTop, dhRecurrent, dcRecurrent, grads);
      switch (step.source) {
        case GO -> addTo(gGo, dInput);
        case OP -> {
          int base = step.sourceIndex * hidden;
          for (int i = 0; i < hidden; i++) {
            gOpEmbedding[base + i] += dInput[i];
          }
        }
        case ANCHOR ->
            accumulateAnchor(anchorGrad, r.anchors.get(step.sourceIndex).step(), dInput, 1);
        case MEAN -> {
          for (int a : step.meanAnchors) {
            accumulateAnchor(anchorGrad, r.anchors.get(a).step(), dInput, 1 / step.meanDenominator);
          }
        }
        default -> throw new IllegalStateException("unknown input source " + step.source);
      }
    }
  }

  private void accumulateAnchor(double[][] anchorGrad, int stepIndex, double[] d, double factor) {
    if (anchorGrad[stepIndex] == null) {
      anchorGrad[stepIndex] = new double[hidden];
    }
    double[] target = anchorGrad[stepIndex];
    for (int i = 0; i < hidden; i++) {
      target[i] += factor * d[i];
    }
  }

  /** d(-advantage * log p_chosen) / d raw logit for a categorical decision. */
  private static double[] categoricalGradient(Step step, double advantage) {
    int k = step.probs.length;
    double[] d = new double[k];
    int chosen = step.chosen[0];
    for (int i = 0; i < k; i++) {
      double dScaled = -advantage * ((i == chosen ? 1 : 0) - step.probs[i]);
      d[i] = dScaled * step.scaleDerivative[i];
    }
    return d;
  }

  private void attentionBackward(
      Step step,
      double[] dLogits,
      List<AnchorRef> anchors,
      double[] dTop,
      double[][] anchorGrad,
      double[] gW1,
      double[] gW2,
      double[] gV) {
    double[] dQuery = new double[hidden];
    for (int j = 0; j < dLogits.length; j++) {
      double d = dLogits[j];
      if (d == 0) {
        continue;
      }
      double[] e = step.squashed[j];
      AnchorRef anchor = anchors.get(step.firstAnchor + j);
      double[] dPre = new double[hidden];
      for (int i = 0; i < hidden; i++) {
        gV[i] += d * e[i];
        dPre[i] = d * attentionV[i] * (1 - e[i] * e[i]);
        dQuery[i] += dPre[i];
      }
      // keyed = W1 h_anchor: gradient to W1 and, through it, to the anchor's output.
      double[] dAnchor = new double[hidden];
      double[] h = anchor.h();
      for (int r = 0; r < hidden; r++) {
        double dp = dPre[r];
        if (dp == 0) {
          continue;
        }
        int base = r * hidden;
        for (int i = 0; i < hidden; i++) {
          gW1[base + i] += dp * h[i];
          dAnchor[i] += dp * attention1[base + i];
        }
      }
      accumulateAnchor(anchorGrad, anchor.step(), dAnchor, 1);
    }
    for (int r = 0; r < hidden; r++) {
      double dq = dQuery[r];
      if (dq == 0) {
        continue;
      }
      int base = r * hidden;
      for (int i = 0; i < hidden; i++) {
        gW2[base + i] += dq * step.top[i];
        dTop[i] += dq * attention2[base + i];
      }
    }
  }

  /** Back-propagates one LSTM step; returns the gradient of its input vector. */
  private double[] lstmBackward(
      Step step,
      double[] dTop,
      double[][] dhRecurrent,
      double[][] dcRecurrent,
      ParameterSet grads) {
    double[] dh = dTop;
    int width = 2 * hidden;
    double[] dIn = null;
    for (int l = layers - 1; l >= 0; l--) {
      double[] g = step.gates[l];
      double[] cPrev = step.cPrev[l];
      double[] tc = step.tanhC[l];
      double[] dz = new double[4 * hidden];
      double[] dcPrev = new double[hidden];
      for (int i = 0; i < hidden; i++) {
        double dhi = dh[i] + dhRecurrent[l][i];
        double gi = g[i];
        double gf = g[hidden + i];
        double gg = g[2 * hidden + i];
        double go = g[3 * hidden + i];
        double dc = dhi * go * (1 - tc[i] * tc[i]) + dcRecurrent[l][i];
        dz[i] = dc * gg * gi * (1 - gi);
        dz[hidden + i] = dc * cPrev[i] * gf * (1 - gf);
        dz[2 * hidden + i] = dc * gi * (1 - gg * gg);
        dz[3 * hidden + i] = dhi * tc[i] * go * (1 - go);
        dcPrev[i] = dc * gf;
      }
      double[] w = lstmWeight[l];
      double[] gw = grads.get("lstm." + l + ".weight");
      double[] gb = grads.get("lstm." + l + ".bias");
      double[] in = step.input[l];
      double[] hp = step.hPrev[l];
      double[] dInput = new double[hidden];
      double[] dhPrev = new double[hidden];
      for (int r = 0; r < 4 * hidden; r++) {
        double d = dz[r];
        if (d == 0) {
          continue;
        }
        gb[r] += d;
        int base = r * width;
        for (int i = 0; i < hidden; i++) {
          gw[base + i] += d * in[i];
          dInput[i] += d * w[base + i];
          gw[base + hidden + i] += d * hp[i];
          dhPrev[i] += d * w[base + hidden + i];
        }
      }
      dhRecurrent[l] = dhPrev;
      dcRecurrent[l] = dcPrev;
      dh = dInput;
      dIn = dInput;
    }
    return dIn;
  }

  // ---------------------------------------------------------------------------------------------
  // Small numerics

  private double[] row(double[] matrix, int r) {
    double[] out = new double[hidden];
    System.arraycopy(matrix, r * hidden, out, 0, hidden);
    return out;
  }

  private static void matVec(double[] m, int rows, int cols, double[] x, double[] out) {
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      int base = r * cols;
      for (int i = 0; i < cols; i++) {
        sum += m[base + i] * x[i];
      }
      out[r] = sum;
    }
  }

  private static void addTo(double[] target, double[] d) {
    for (int i = 0; i < target.length; i++) {
      target[i] += d[i];
    }
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
}
