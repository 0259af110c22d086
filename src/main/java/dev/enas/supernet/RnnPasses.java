package dev.enas.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import java.util.Arrays;

/**
 * The training and evaluation passes of a recurrent language model, with the state that lives
 * between them: the hidden state carried from window to window (one for training, one for
 * evaluation) and the generator of dropout masks. The supernet and the standalone model each own
 * one and differ only in the {@link RnnCell.Weights} they pass in.
 *
 * <p>Carried hidden states are Java copies, so a window never back-propagates into the previous one
 * (truncated back-propagation through time). They start from zeros at a batch that starts a pass,
 * when the batch size changes, and after a step that was not applied. Masks come from a Java
 * generator, not PyTorch's, so the same seed gives the same masks on any machine.
 */
final class RnnPasses {
  private final ParamStore store;
  private final RnnNetworkSpec spec;
  private final NesterovSgd optimizer;
  private final MaskRandom masks;
  private final Carried training = new Carried();
  private final Carried evaluation = new Carried();

  RnnPasses(ParamStore store, RnnNetworkSpec spec, SgdSettings sgd, long maskSeed) {
    this.store = store;
    this.spec = spec;
    this.optimizer = new NesterovSgd(sgd);
    this.masks = new MaskRandom(maskSeed);
  }

  /** What an evaluation of one window gives: summed loss, positions, and the final state. */
  private record Evaluated(double lossSum, int count, float[] lastHidden) {
    double perplexity() {
      return Math.exp(lossSum / count);
    }
  }

  StepResult train(RnnArchitecture cell, RnnCell.Weights w, TokenBatch batch, double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learning rate must be finite and >= 0, was " + learningRate);
    }
    checkTokens(batch.inputs(), "inputs");
    checkTokens(batch.targets(), "targets");
    int b = batch.batchSize();
    int steps = batch.steps();
    synchronized (Steps.AUTOGRAD) {
      Steps.gradientsOff();
      RnnCell.Masks drawn = drawMasks(batch);
      float[] start = training.start(batch.startsPass(), b, spec.hidden());
      try (NDManager pass = store.manager().newSubManager()) {
        NDArray tokens = timeMajor(pass, batch.inputs(), b, steps);
        NDArray targets = timeMajor(pass, batch.targets(), b, steps).reshape(-1, 1);
        NDArray hidden = pass.create(start, new Shape(b, spec.hidden()));
        RnnCell.Window window;
        double loss;
        try {
          try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
            window = RnnCell.forward(pass, cell, w, tokens, b, steps, hidden, drawn);
            NDArray lossArray = RnnCell.negativeLogLikelihood(window.logits(), targets).mean();
            loss = lossArray.getFloat();
            if (Double.isFinite(loss)) {
              collector.backward(lossArray);
            }
          }
        } catch (RuntimeException e) {
          for (Param p : w.all()) {
            NesterovSgd.zeroGradient(p);
          }
          training.reset();
          throw e;
        }
        Steps.gradientsOff();
        double accuracy = accuracy(window.logits(), targets);
        if (!Double.isFinite(loss)) {
          training.reset();
          return new StepResult(loss, accuracy, Double.NaN, false, 0);
        }
        NesterovSgd.Update update = optimizer.apply(w.all(), learningRate, pass);
        if (update.applied()) {
          training.keep(window.lastHidden().toFloatArray(), b);
        } else {
          training.reset();
        }
        return new StepResult(
            loss, accuracy, update.gradientNorm(), update.applied(), update.tensors());
      }
    }
  }

  /** Perplexity on one window, carrying the evaluation hidden state from the previous call. */
  double evaluate(RnnArchitecture cell, RnnCell.Weights w, TokenBatch batch) {
    float[] start = evaluation.start(batch.startsPass(), batch.batchSize(), spec.hidden());
    Evaluated result =
        evaluate(cell, w, batch.inputs(), batch.targets(), batch.batchSize(), batch.steps(), start);
    double perplexity = result.perplexity();
    if (Double.isFinite(perplexity)) {
      evaluation.keep(result.lastHidden(), batch.batchSize());
    } else {
      evaluation.reset();
    }
    return perplexity;
  }

  /** Perplexity on one window from a zero state; the carried states stay as they are. */
  double evaluateFromZero(RnnArchitecture cell, RnnCell.Weights w, TokenBatch batch) {
    float[] zero = new float[batch.batchSize() * spec.hidden()];
    return evaluate(
            cell, w, batch.inputs(), batch.targets(), batch.batchSize(), batch.steps(), zero)
        .perplexity();
  }

  /**
   * Perplexity of a whole token stream, as language-model papers report test perplexity: the stream
   * is cut into {@code batchSize} contiguous rows of L = (n - 1) / batchSize positions, read side
   * by side in windows of {@code steps} (the last one shorter) from a zero state carried across
   * windows. Row b reads tokens b L .. (b + 1) L - 1 and predicts each one's successor, so tokens 1
   * .. batchSize L are each predicted once and a tail shorter than a row is not scored.
   */
  double perplexity(
      RnnArchitecture cell, RnnCell.Weights w, int[] stream, int batchSize, int steps) {
    if (batchSize < 1 || steps < 1) {
      throw new IllegalArgumentException(
          "batchSize and steps must be at least 1, got " + batchSize + " and " + steps);
    }
    int rowLength = (stream.length - 1) / batchSize;
    if (rowLength < 1) {
      throw new IllegalArgumentException(
          "a stream of "
              + stream.length
              + " tokens is too short for "
              + batchSize
              + " rows: it needs at least "
              + (batchSize + 1));
    }
    float[] state = new float[batchSize * spec.hidden()];
    double lossSum = 0;
    long count = 0;
    for (int from = 0; from < rowLength; from += steps) {
      int length = Math.min(steps, rowLength - from);
      int[] inputs = new int[batchSize * length];
      int[] targets = new int[batchSize * length];
      for (int b = 0; b < batchSize; b++) {
        for (int t = 0; t < length; t++) {
          int at = b * rowLength + from + t;
          inputs[b * length + t] = stream[at];
          targets[b * length + t] = stream[at + 1];
        }
      }
      Evaluated window = evaluate(cell, w, inputs, targets, batchSize, length, state);
      lossSum += window.lossSum();
      count += window.count();
      state = window.lastHidden();
    }
    return Math.exp(lossSum / count);
  }

  /**
   * One step in evaluation mode for a batch of tokens: {logits (batch x vocabulary), next hidden
   * state (batch x hidden)}, row-major.
   */
  float[][] step(RnnArchitecture cell, RnnCell.Weights w, int[] tokens, float[] hidden) {
    checkTokens(tokens, "tokens");
    int b = tokens.length;
    if (b < 1) {
      throw new IllegalArgumentException("a step needs at least one token");
    }
    if (hidden.length != b * spec.hidden()) {
      throw new IllegalArgumentException(
          "hidden must hold " + b + " x " + spec.hidden() + " values, got " + hidden.length);
    }
    Steps.gradientsOff();
    try (NDManager pass = store.manager().newSubManager()) {
      RnnCell.Window window =
          RnnCell.forward(
              pass,
              cell,
              w,
              timeMajor(pass, tokens, b, 1),
              b,
              1,
              pass.create(hidden, new Shape(b, spec.hidden())),
              RnnCell.Masks.NONE);
      return new float[][] {window.logits().toFloatArray(), window.lastHidden().toFloatArray()};
    }
  }

  /** Forgets both carried hidden states, as after a restore that replaced the weights. */
  void resetCarried() {
    training.reset();
    evaluation.reset();
  }

  /** The tensors of {@code store}, the mask generator and both carried states. */
  NetworkState snapshot() {
    return new NetworkState(store.state(), masks.state(), training.saved(), evaluation.saved());
  }

  /** Continues from a {@link #snapshot()}: tensors (nothing on a mismatch), masks, states. */
  void restore(NetworkState state) {
    Steps.gradientsOff();
    store.restore(state.tensors());
    masks.restore(state.maskRandom());
    training.restore(state.trainingHidden());
    evaluation.restore(state.evaluationHidden());
  }

  /** The carried training state, or null when the next step starts from zeros; for tests. */
  float[] carriedTrainingState() {
    return training.hidden == null ? null : training.hidden.clone();
  }

  private Evaluated evaluate(
      RnnArchitecture cell,
      RnnCell.Weights w,
      int[] inputs,
      int[] targetTokens,
      int b,
      int steps,
      float[] start) {
    checkTokens(inputs, "inputs");
    checkTokens(targetTokens, "targets");
    Steps.gradientsOff();
    try (NDManager pass = store.manager().newSubManager()) {
      NDArray tokens = timeMajor(pass, inputs, b, steps);
      NDArray targets = timeMajor(pass, targetTokens, b, steps).reshape(-1, 1);
      NDArray hidden = pass.create(start, new Shape(b, spec.hidden()));
      RnnCell.Window window =
          RnnCell.forward(pass, cell, w, tokens, b, steps, hidden, RnnCell.Masks.NONE);
      double lossSum = RnnCell.negativeLogLikelihood(window.logits(), targets).sum().getFloat();
      return new Evaluated(lossSum, b * steps, window.lastHidden().toFloatArray());
    }
  }

  /**
   * Draws the window's locked masks: for each sequence, one keep-or-drop per distinct word (in
   * order of first appearance), then one per input unit, then one per output unit.
   */
  RnnCell.Masks drawMasks(TokenBatch batch) {
    int b = batch.batchSize();
    int steps = batch.steps();
    int h = spec.hidden();
    float[] embedding = null;
    float pe = spec.embeddingDropout();
    if (pe > 0f) {
      embedding = new float[b * steps];
      float kept = 1f / (1f - pe);
      float[] decided = new float[spec.vocabulary()];
      int[] seenIn = new int[spec.vocabulary()];
      Arrays.fill(seenIn, -1);
      for (int seq = 0; seq < b; seq++) {
        for (int t = 0; t < steps; t++) {
          int token = batch.inputs()[seq * steps + t];
          if (seenIn[token] != seq) {
            seenIn[token] = seq;
            decided[token] = masks.nextDouble() < pe ? 0f : kept;
          }
          embedding[t * b + seq] = decided[token];
        }
      }
    }
    return new RnnCell.Masks(
        embedding, unitMask(b * h, spec.inputDropout()), unitMask(b * h, spec.outputDropout()));
  }

  private float[] unitMask(int size, float rate) {
    if (rate <= 0f) {
      return null;
    }
    float kept = 1f / (1f - rate);
    float[] mask = new float[size];
    for (int i = 0; i < size; i++) {
      mask[i] = masks.nextDouble() < rate ? 0f : kept;
    }
    return mask;
  }

  /** Row-major [batch][steps] ids as an int64 steps x batch tensor, flattened time-major. */
  private static NDArray timeMajor(NDManager pass, int[] tokens, int b, int steps) {
    long[] ids = new long[b * steps];
    for (int seq = 0; seq < b; seq++) {
      for (int t = 0; t < steps; t++) {
        ids[t * b + seq] = tokens[seq * steps + t];
      }
    }
    return pass.create(ids);
  }

  /** Fraction of positions whose most likely next token is the target. */
  private static double accuracy(NDArray logits, NDArray targets) {
    long[] best = logits.argMax(1).toLongArray();
    long[] wanted = targets.toLongArray();
    int correct = 0;
    for (int i = 0; i < best.length; i++) {
      if (best[i] == wanted[i]) {
        correct++;
      }
    }
    return (double) correct / best.length;
  }

  private void checkTokens(int[] tokens, String what) {
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= spec.vocabulary()) {
        throw new IllegalArgumentException(
            what
                + "["
                + i
                + "] is "
                + tokens[i]
                + ", outside the vocabulary 0.."
                + (spec.vocabulary() - 1));
      }
    }
  }

  /** A hidden state carried between windows, or none (zeros next time). */
  private static final class Carried {
    private float[] hidden;
    private int batch;

    /** The state the next window starts from: the carried one, or zeros. */
    float[] start(boolean startsPass, int batchSize, int width) {
      if (startsPass || hidden == null || batchSize != batch) {
        return new float[batchSize * width];
      }
      return hidden;
    }

    void keep(float[] state, int batchSize) {
      hidden = state;
      batch = batchSize;
    }

    void reset() {
      hidden = null;
    }

    NetworkState.Hidden saved() {
      return hidden == null ? null : new NetworkState.Hidden(hidden.clone(), batch);
    }

    void restore(NetworkState.Hidden saved) {
      if (saved == null) {
        hidden = null;
      } else {
        hidden = saved.values().clone();
        batch = saved.batch();
      }
    }
  }
}
