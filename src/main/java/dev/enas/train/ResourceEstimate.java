package dev.enas.train;

import dev.enas.space.MacroSpace;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.SearchSpec;

/**
 * What a search will ask of its device, computed from the spec alone before anything is allocated,
 * so that a server can refuse a spec that would not fit instead of failing (or swapping) half-way
 * through an allocation of gigabytes.
 *
 * <p>The parameter and statistic counts are exact for the shared weights (they follow the
 * supernets' construction, and a test holds them equal to built networks). Memory counts every
 * trainable weight three times (value, Nesterov velocity, gradient) and every batch-norm statistic
 * once, plus the activations one training step keeps for its backward pass with the largest
 * operation of every layer chosen (about six tensors of the layer's width for a macro layer, the
 * count of a PyTorch autograd graph of these operations): an estimate of the peak, not a
 * measurement; the gradients of activations live only briefly and are not counted. The retraining
 * network is counted as the most expensive child of its width (every layer or node its largest
 * operation), and the larger of the two phases is the search's need.
 *
 * @param parameters trainable weights of the shared network
 * @param statistics batch-norm running statistics of the shared network
 * @param searchMemoryBytes weights, optimizer state, gradients and activations while searching
 * @param retrainMemoryBytes the same for retraining the derived child
 * @param multiplyAddsPerStep multiply-adds of one shared-weight training step (forward and
 *     backward) of the most expensive child
 */
public record ResourceEstimate(
    long parameters,
    long statistics,
    long searchMemoryBytes,
    long retrainMemoryBytes,
    long multiplyAddsPerStep) {

  private static final long FLOAT_BYTES = 4;

  /** Image classes of every supported image format (MNIST family, CIFAR-10). */
  public static final int IMAGE_CLASSES = 10;

  /** Tensors of a layer's width a training step keeps per macro layer (1x1 in, op, norms, sum). */
  private static final int MACRO_ACTIVATIONS = 6;

  /** Per micro node: two branches of two separable stacks of about four tensors, and the sum. */
  private static final int MICRO_NODE_ACTIVATIONS = 17;

  /** Per rnn node and token: the two matrix products' output, gate, candidate and mix. */
  private static final int RNN_NODE_ACTIVATIONS = 6;

  /**
   * The estimate for a spec on data of this shape; for text, {@code outputs} is the vocabulary size
   * (its upper bound {@code languageModel.maxVocabulary} before the corpus is read).
   */
  public static ResourceEstimate of(
      SearchSpec spec, int inputChannels, int height, int width, int outputs) {
    String kind = spec.space().kind();
    Counts search;
    Counts retrain;
    ChildSpec child = spec.child();
    ChildSpec network = spec.retrain().network();
    switch (kind) {
      case "macro" -> {
        search = macro(spec.space().layers(), child, inputChannels, height, width, outputs, false);
        retrain =
            macro(spec.space().layers(), network, inputChannels, height, width, outputs, true);
      }
      case "micro" -> {
        search = micro(spec.space().nodes(), child, inputChannels, height, width, outputs, false);
        retrain = micro(spec.space().nodes(), network, inputChannels, height, width, outputs, true);
      }
      case "rnn" -> {
        int bptt = spec.languageModel().bpttSteps();
        search = rnn(spec.space().nodes(), child, bptt, outputs);
        retrain = rnn(spec.space().nodes(), network, bptt, outputs);
      }
      default -> throw new IllegalArgumentException("unknown space " + kind);
    }
    return new ResourceEstimate(
        search.parameters,
        search.statistics,
        search.memory(),
        retrain.memory(),
        search.multiplyAdds);
  }

  /** What the search needs at its peak: the larger of its two phases. */
  public long memoryBytes() {
    return Math.max(searchMemoryBytes, retrainMemoryBytes);
  }

  /**
   * The estimate for a spec on the data set it names, as {@link DataShape} sees it without loading
   * it; a text corpus's vocabulary is bounded by {@code languageModel.maxVocabulary} and its
   * training token count.
   */
  public static ResourceEstimate of(SearchSpec spec, DataShape shape) {
    if (shape.text()) {
      long vocabulary = Math.min(spec.languageModel().maxVocabulary(), shape.trainSize() + 2);
      return of(spec, 0, 0, 0, (int) Math.max(2, vocabulary));
    }
    return of(spec, shape.channels(), shape.height(), shape.width(), IMAGE_CLASSES);
  }

  /** Memory in GiB, for messages. */
  public double memoryGib() {
    return memoryBytes() / (double) (1L << 30);
  }

  private static final class Counts {
    long parameters;
    long statistics;
    long activations;
    long multiplyAdds;

    long memory() {
      return FLOAT_BYTES * (3 * parameters + statistics + activations);
    }

    void bn(long c) {
      parameters += 2 * c;
      statistics += 2 * c;
    }
  }

  /**
   * @param oneChild only the most expensive child's weights rather than every candidate's
   */
  private static Counts macro(
      int layers,
      ChildSpec child,
      int inputChannels,
      int height,
      int width,
      int classes,
      boolean oneChild) {
    Counts n = new Counts();
    long batch = child.batchSize();
    int[] reductions = new MacroSpace(layers).reductionLayers();
    long c0 = child.channels();
    long pixels = (long) height * width;
    n.parameters += inputChannels * 9L * c0;
    n.bn(c0);
    n.multiplyAdds += batch * pixels * inputChannels * 9L * c0;
    n.activations += batch * pixels * c0 * 2;
    int stage = 0;
    long h = height;
    long w = width;
    for (int i = 0; i < layers; i++) {
      long c = c0 << stage;
      // Six branches with a 1x1 input convolution each; conv 3x3, conv 5x5, and two separable
      // convolutions (depthwise k x k, pointwise 1x1); pools have no weights.
      if (oneChild) {
        n.parameters += c * c + 25 * c * c;
        n.bn(c * 2);
      } else {
        n.parameters += 6 * c * c + 9 * c * c + 25 * c * c + (9 * c + c * c) + (25 * c + c * c);
        n.bn(c * 6);
        n.bn(c * 4);
      }
      if (i > 0) {
        n.bn(c);
      }
      n.multiplyAdds += batch * h * w * (c * c + 25 * c * c + i * c);
      n.activations += batch * h * w * c * MACRO_ACTIVATIONS;
      for (int r : reductions) {
        if (r == i) {
          long in = c;
          long out = c0 << (stage + 1);
          // Every output so far is reduced once, so later layers can still read it.
          n.parameters += (long) (i + 1) * 2 * in * (out / 2);
          for (int j = 0; j <= i; j++) {
            n.bn(out);
          }
          h = (h + 1) / 2;
          w = (w + 1) / 2;
          n.multiplyAdds += batch * h * w * in * out * (i + 1);
          n.activations += batch * h * w * out * 3L * (i + 1);
          stage++;
        }
      }
    }
    long last = c0 << stage;
    n.parameters += last * classes + classes;
    n.multiplyAdds = 3 * (n.multiplyAdds + batch * last * classes);
    return n;
  }

  private static Counts micro(
      int nodes,
      ChildSpec child,
      int inputChannels,
      int height,
      int width,
      int classes,
      boolean oneChild) {
    Counts n = new Counts();
    long batch = child.batchSize();
    int cells = child.cellsPerStack();
    int count = 3 * cells + 2;
    long c0 = child.channels();
    n.parameters += inputChannels * 9L * c0;
    n.bn(c0);
    long h = height;
    long w = width;
    n.multiplyAdds += batch * h * w * inputChannels * 9L * c0;
    n.activations += batch * h * w * c0 * 2;
    int[] stageOf = new int[count];
    int stage = 0;
    for (int i = 0; i < count; i++) {
      if (i == cells || i == 2 * cells + 1) {
        stage++;
        h = (h + 1) / 2;
        w = (w + 1) / 2;
      }
      stageOf[i] = stage;
      long c = c0 << stage;
      for (int source : new int[] {i - 2, i - 1}) {
        long in = c0 << (source < 0 ? 0 : stageOf[source]);
        // A projection (1x1) from the same stage or a factorized reduction from the one before:
        // the same weight count either way.
        n.parameters += in * c;
        n.bn(c);
        n.multiplyAdds += batch * h * w * in * c;
        n.activations += batch * h * w * c * 2;
      }
      n.bn(c);
      // Node k reads any of k + 2 inputs in each of its two slots, through sep 3x3 or sep 5x5
      // (two stacks each; pools and identity have no weights), and may be a loose end (1x1 out).
      long pairs = 0;
      for (int k = 0; k < nodes; k++) {
        pairs += 2L * (k + 2);
      }
      if (oneChild) {
        // Two branches per node, each a sep 5x5 of two stacks.
        n.parameters += 2L * nodes * 2 * (25 * c + c * c);
        n.bn(2L * nodes * 2 * c);
      } else {
        n.parameters += pairs * 2 * ((9 * c + c * c) + (25 * c + c * c));
        n.bn(pairs * 2 * 2 * c);
      }
      n.parameters += nodes * c * c;
      n.multiplyAdds += batch * h * w * nodes * (2 * 2 * (25 * c + c * c) + c * c);
      n.activations += batch * h * w * c * (nodes * MICRO_NODE_ACTIVATIONS + 2);
    }
    long last = c0 << stage;
    n.parameters += last * classes + classes;
    n.multiplyAdds = 3 * (n.multiplyAdds + batch * last * classes);
    return n;
  }

  private static Counts rnn(int nodes, ChildSpec child, int bptt, int vocabulary) {
    Counts n = new Counts();
    long h = child.channels();
    long v = vocabulary;
    long tokens = (long) child.batchSize() * bptt;
    // Embedding (tied to the decoder), decoder bias, node 0's gated input matrix, and one matrix
    // for every pair of nodes j < l.
    n.parameters += v * h + v + 2 * h * 2 * h + (long) nodes * (nodes - 1) / 2 * h * 2 * h;
    n.multiplyAdds = 3 * tokens * (2 * h * 2 * h + (nodes - 1L) * h * 2 * h + h * v);
    n.activations += tokens * (nodes * RNN_NODE_ACTIVATIONS * h + 3 * v);
    return n;
  }
}
