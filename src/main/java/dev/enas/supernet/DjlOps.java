package dev.enas.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Computes one forward pass on NDArrays and records every parameter it reads, so a training step
 * updates exactly the tensors the sampled child used.
 *
 * <p>DJL attaches an operation's result to the manager of its first operand. Every operation here
 * therefore starts from an activation, which lives in the step manager; the few results that start
 * from a stored parameter are moved to the step manager at once, so nothing a pass creates lands in
 * the store's manager.
 *
 * <p>Dropout masks come from the network's own Java generator, never from PyTorch's: PyTorch has
 * one generator per process, which no search seeds and every search in a server draws from, so its
 * masks depended on what the process had run before.
 */
final class DjlOps implements Ops<NDArray> {
  /** DJL's convention: the share of the old running value kept (PyTorch's 0.1 update). */
  static final float BN_MOMENTUM = 0.9f;

  static final float BN_EPSILON = 1e-5f;

  /** oneDNN's widest channel block on x86 (AVX-512); a multiple of the AVX2 block of 8. */
  private static final long CHANNEL_BLOCK = 16;

  private static final Shape ONE = new Shape(1, 1);
  private static final NDIndex ALL = new NDIndex("...");

  private final NDManager step;
  private final BatchNormMode mode;
  private final Set<Param> used = new LinkedHashSet<>();
  private final Map<Param, NDArray> scratch = new LinkedHashMap<>();
  private final RandomGenerator masks;

  /** A pass that draws no dropout mask: evaluation and inference. */
  DjlOps(NDManager step, BatchNormMode mode) {
    this(step, mode, null);
  }

  /**
   * @param masks the network's dropout generator; required in {@link BatchNormMode#TRAIN}, the only
   *     mode that drops anything
   */
  DjlOps(NDManager step, BatchNormMode mode, RandomGenerator masks) {
    if (mode == BatchNormMode.TRAIN && masks == null) {
      throw new IllegalArgumentException("a training pass needs the network's dropout generator");
    }
    this.step = step;
    this.mode = mode;
    this.masks = masks;
  }

  /** The parameters and statistics this pass has read, in first-use order. */
  Set<Param> used() {
    return Collections.unmodifiableSet(used);
  }

  @Override
  public NDArray conv(NDArray x, List<Param> weights, int stride, int padding, int groups) {
    NDArray weight;
    if (weights.size() == 1) {
      weight = use(weights.get(0));
    } else {
      NDList blocks = new NDList(weights.size());
      for (Param w : weights) {
        blocks.add(use(w));
      }
      weight = NDArrays.concat(blocks, 1);
      weight.attach(step);
    }
    return paddedConv2d(x, weight, stride, padding, groups, step);
  }

  /**
   * A plain or depthwise 2-D convolution without bias; a plain one's channel counts are padded to
   * multiples of oneDNN's widest block. Results that start from {@code weight} are attached to
   * {@code manager}.
   */
  static NDArray paddedConv2d(
      NDArray x, NDArray weight, int stride, int padding, int groups, NDManager manager) {
    long in = x.getShape().get(1);
    long out = weight.getShape().get(0);
    boolean depthwise = groups > 1 && groups == in && groups == out;
    if (groups > 1 && !depthwise) {
      throw new IllegalArgumentException(
          "only plain and depthwise convolutions are supported, groups was " + groups);
    }
    // libtorch 2.7.1 convolves on CPU with oneDNN 3.7.1, which stores channels in blocks of 16
    // (AVX-512; 8 with AVX2). When a channel count is not a multiple of the block, forward and
    // backward multiply the block's padding, which nobody initialized, by zero: whatever the
    // allocator last left there leaks in, and leftover NaN or infinity bit patterns (freed
    // direct buffers, earlier tensors) turn whole feature maps or gradients NaN at random, so one
    // seed trained cleanly in one run and went NaN in the next. Zero channels up to a multiple of
    // 16 leave oneDNN no padding to read and change no real output; the extra channels get zero
    // weights and are cut off again, so parameters, gradients and the traced graph are unchanged.
    // A depthwise convolution needs none of this: each output channel reads only its own input
    // channel, so garbage in a padded channel stays there and is cut off with it
    // (ChannelPaddingGarbageTest checks both kinds). Padding it anyway cost the micro search's
    // 20-channel stage 1.6 times the work of its slowest kernel, the depthwise backward pass
    // (bench/run op-vs-pytorch).
    long inPadded = depthwise ? in : roundUp(in, CHANNEL_BLOCK);
    long outPadded = depthwise ? in : roundUp(out, CHANNEL_BLOCK);
    if (inPadded != in) {
      x = x.pad(new Shape(0, 0, 0, 0, 0, inPadded - in), 0);
    }
    if (inPadded != in || outPadded != out) {
      long weightIn = depthwise ? 0 : inPadded - in;
      weight = weight.pad(new Shape(0, 0, 0, 0, 0, weightIn, 0, outPadded - out), 0);
      weight.attach(manager);
    }
    NDArray y =
        Conv2d.conv2d(
                x,
                weight,
                null,
                new Shape(stride, stride),
                new Shape(padding, padding),
                ONE,
                depthwise ? (int) inPadded : groups)
            .singletonOrThrow();
    return outPadded == out ? y : y.get(new NDIndex(":, :{}", out));
  }

  private static long roundUp(long channels, long block) {
    return (channels + block - 1) / block * block;
  }

  @Override
  public NDArray batchNorm(NDArray x, Bn bn) {
    NDArray mean = use(bn.mean());
    NDArray variance = use(bn.variance());
    boolean batchStatistics = mode != BatchNormMode.RUNNING;
    if (batchStatistics) {
      // PyTorch's training-mode kernel writes the running statistics it is given. It gets scratch
      // copies: a reward pass must change nothing, and a training step commits them only once
      // the step is known to be finite.
      mean = scratch(bn.mean());
      variance = scratch(bn.variance());
    }
    // axis -1 selects PyTorch's own kernel, which normalizes dimension 1 (channels of NCHW).
    return BatchNorm.batchNorm(
            x,
            mean,
            variance,
            use(bn.gamma()),
            use(bn.beta()),
            -1,
            BN_MOMENTUM,
            BN_EPSILON,
            batchStatistics)
        .singletonOrThrow();
  }

  /**
   * Writes the running statistics this training pass computed into the stored ones, in place. Only
   * the batch norms that ran have scratch copies, so no other statistic changes.
   */
  void commitStatistics() {
    if (mode != BatchNormMode.TRAIN) {
      throw new IllegalStateException("only a training pass updates running statistics");
    }
    for (Map.Entry<Param, NDArray> e : scratch.entrySet()) {
      e.getKey().value().set(ALL, e.getValue());
    }
  }

  private NDArray scratch(Param statistic) {
    NDArray copy = scratch.get(statistic);
    if (copy == null) {
      copy = statistic.value().duplicate();
      copy.attach(step);
      scratch.put(statistic, copy);
    }
    return copy;
  }

  @Override
  public NDArray relu(NDArray x) {
    return Activation.relu(x);
  }

  @Override
  public NDArray pool(NDArray x, boolean max) {
    Shape kernel = new Shape(3, 3);
    Shape stride = new Shape(1, 1);
    return max
        ? Pool.maxPool2d(x, kernel, stride, stride, false)
        : Pool.avgPool2d(x, kernel, stride, stride, false, false);
  }

  @Override
  public NDArray sum(List<NDArray> xs) {
    NDArray total = xs.get(0);
    for (int i = 1; i < xs.size(); i++) {
      total = total.add(xs.get(i));
    }
    return total;
  }

  @Override
  public NDArray concat(List<NDArray> xs) {
    return xs.size() == 1 ? xs.get(0) : NDArrays.concat(new NDList(new ArrayList<>(xs)), 1);
  }

  @Override
  public NDArray shift(NDArray x) {
    return x.get(":, :, 1:, 1:").pad(new Shape(0, 1, 0, 1), 0);
  }

  @Override
  public NDArray globalAvgPool(NDArray x) {
    return Pool.globalAvgPool2d(x);
  }

  @Override
  public NDArray dropout(NDArray x, float rate) {
    if (rate <= 0f || mode != BatchNormMode.TRAIN) {
      return x;
    }
    // Inverted dropout as PyTorch computes it: keep with probability 1 - rate, scale kept values
    // by 1 / (1 - rate). The mask is a tensor of the step, alive until backward has read it.
    Shape shape = x.getShape();
    float[] mask = new float[Math.toIntExact(shape.size())];
    float scale = 1f / (1f - rate);
    for (int i = 0; i < mask.length; i++) {
      mask[i] = masks.nextDouble() < rate ? 0f : scale;
    }
    return x.mul(step.create(mask, shape));
  }

  @Override
  public NDArray linear(NDArray x, Param weight, Param bias) {
    return Linear.linear(x, use(weight), use(bias)).singletonOrThrow();
  }

  private NDArray use(Param p) {
    used.add(p);
    return p.value();
  }
}
