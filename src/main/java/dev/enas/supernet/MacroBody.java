package dev.enas.supernet;

import dev.enas.space.Architecture;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroOp;
import dev.enas.space.MacroSpace;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The macro space's network: stem (3x3 convolution, batch norm), then one layer per architecture
 * layer and a classifier head (ReLU, global average pooling, dropout, linear).
 *
 * <p>Layer i runs its chosen branch on the output of layer i-1; from layer 1 on it adds the outputs
 * of its chosen skip layers and batch-normalizes the sum (the released ENAS code). After each
 * reduction layer every earlier output is factorized-reduced, so later skips still match in shape.
 * Reductions are computed lazily: a pass reduces an earlier output only if a later layer reads it,
 * so a child touches no reduction weights it does not need.
 */
final class MacroBody implements Body {
  private final NetworkSpec spec;
  private final int layers;
  private final int[] reductions;
  private final int[] stageOf;
  private final Param stemConv;
  private final Bn stemBn;
  private final List<Map<MacroOp, MacroBranch>> branches = new ArrayList<>();
  private final List<Bn> sumBns = new ArrayList<>();

  /** reduce.get(s).get(j): reduction number s (stage s to s+1) of layer j's output. */
  private final List<Map<Integer, FactorizedReduce>> reduce = new ArrayList<>();

  private final Param headWeight;
  private final Param headBias;

  /**
   * @param child the only architecture to hold weights for (a standalone network), or null for
   *     every candidate (the supernet)
   */
  MacroBody(ParamStore store, NetworkSpec spec, MacroSpace space, MacroArchitecture child) {
    if (spec.depth() != space.layers()) {
      throw new IllegalArgumentException(
          "spec depth "
              + spec.depth()
              + " does not match the macro space's "
              + space.layers()
              + " layers");
    }
    this.spec = spec;
    this.layers = space.layers();
    this.reductions = space.reductionLayers();
    this.stageOf = new int[layers];
    for (int i = 0; i < layers; i++) {
      for (int r : reductions) {
        if (r < i) {
          stageOf[i]++;
        }
      }
    }
    int c0 = spec.channelsAt(0);
    stemConv =
        store.heNormal("stem.conv", spec.inputChannels() * 9, c0, spec.inputChannels(), 3, 3);
    stemBn = Bn.create(store, "stem.bn", c0);
    for (int i = 0; i < layers; i++) {
      int c = spec.channelsAt(stageOf[i]);
      Map<MacroOp, MacroBranch> layer = new EnumMap<>(MacroOp.class);
      for (MacroOp op : MacroOp.values()) {
        if (child == null || child.op(i) == op) {
          layer.put(op, new MacroBranch(store, "layer" + i + "." + op.shortName(), op, c));
        }
      }
      branches.add(layer);
      sumBns.add(i == 0 ? null : Bn.create(store, "layer" + i + ".bn", c));
    }
    for (int s = 0; s < reductions.length; s++) {
      int r = reductions[s];
      Map<Integer, FactorizedReduce> byLayer = new HashMap<>();
      for (int j = 0; j <= r; j++) {
        if (child == null || readAfter(child, r, j)) {
          byLayer.put(
              j,
              new FactorizedReduce(
                  store, reductionName(r, j), spec.channelsAt(s), spec.channelsAt(s + 1), false));
        }
      }
      reduce.add(byLayer);
    }
    int last = spec.channelsAt(stageOf[layers - 1]);
    headWeight = store.heNormal("head.weight", last, spec.classes(), last);
    headBias = store.constantWeight("head.bias", 0f, spec.classes());
  }

  /** Whether layer j's output is read after reduction layer r: as the next input, or by a skip. */
  private boolean readAfter(MacroArchitecture child, int r, int j) {
    if (j == r) {
      return true;
    }
    for (int i = r + 1; i < layers; i++) {
      if (child.skip(i, j)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public <T> T forward(Ops<T> ops, T image, Architecture architecture) {
    MacroArchitecture arch = macro(architecture);
    T stem = ops.batchNorm(ops.conv(image, stemConv, 1, 1, 1), stemBn);
    List<Map<Integer, T>> outputs = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      int s = stageOf[i];
      T input = i == 0 ? stem : at(ops, outputs, i - 1, s);
      T y = branch(i, arch.op(i)).forward(ops, input);
      if (i > 0) {
        List<T> terms = new ArrayList<>();
        terms.add(y);
        for (int j = 0; j < i; j++) {
          if (arch.skip(i, j)) {
            terms.add(at(ops, outputs, j, s));
          }
        }
        y = ops.batchNorm(ops.sum(terms), sumBns.get(i));
      }
      Map<Integer, T> byStage = new HashMap<>();
      byStage.put(s, y);
      outputs.add(byStage);
    }
    T x = outputs.get(layers - 1).get(stageOf[layers - 1]);
    x = ops.dropout(ops.globalAvgPool(ops.relu(x)), spec.dropout());
    return ops.linear(x, headWeight, headBias);
  }

  /** Layer j's output at stage s, reducing (and remembering) it on first demand. */
  private <T> T at(Ops<T> ops, List<Map<Integer, T>> outputs, int j, int s) {
    T value = outputs.get(j).get(s);
    if (value == null) {
      FactorizedReduce fr = reduce.get(s - 1).get(j);
      if (fr == null) {
        throw new IllegalArgumentException(
            "this network holds no reduction of layer "
                + j
                + " after layer "
                + reductions[s - 1]
                + ": the architecture is not the one it was built for");
      }
      value = fr.forward(ops, at(ops, outputs, j, s - 1));
      outputs.get(j).put(s, value);
    }
    return value;
  }

  private MacroBranch branch(int layer, MacroOp op) {
    MacroBranch b = branches.get(layer).get(op);
    if (b == null) {
      throw new IllegalArgumentException(
          "this network holds no "
              + op.shortName()
              + " at layer "
              + layer
              + ": the architecture is not the one it was built for");
    }
    return b;
  }

  private MacroArchitecture macro(Architecture architecture) {
    if (!(architecture instanceof MacroArchitecture arch) || arch.layers() != layers) {
      throw new IllegalArgumentException(
          "expected a " + layers + "-layer macro architecture, got " + architecture);
    }
    return arch;
  }

  @Override
  public List<LayerDescriptor> describe(Architecture architecture) {
    MacroArchitecture arch = macro(architecture);
    List<LayerDescriptor> steps = new ArrayList<>();
    List<String> stemParams = new ArrayList<>(List.of(stemConv.name()));
    stemBn.params().forEach(p -> stemParams.add(p.name()));
    steps.add(new LayerDescriptor("stem", "conv3x3_bn", List.of("image"), stemParams));
    List<Map<Integer, String>> names = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      int s = stageOf[i];
      String input = i == 0 ? "stem" : nameAt(steps, names, i - 1, s);
      for (MacroBranch b : branches.get(i).values()) {
        String name = "layer" + i + "." + b.op().shortName();
        steps.add(
            new LayerDescriptor(name, b.op().shortName(), List.of(input), Param.names(b.params())));
      }
      String out = "layer" + i + "." + arch.op(i).shortName();
      if (i > 0) {
        List<String> terms = new ArrayList<>(List.of(out));
        for (int j = 0; j < i; j++) {
          if (arch.skip(i, j)) {
            terms.add(nameAt(steps, names, j, s));
          }
        }
        out = "layer" + i;
        steps.add(new LayerDescriptor(out, "sum_bn", terms, Param.names(sumBns.get(i).params())));
      }
      Map<Integer, String> byStage = new HashMap<>();
      byStage.put(s, out);
      names.add(byStage);
    }
    String last = names.get(layers - 1).get(stageOf[layers - 1]);
    steps.add(
        new LayerDescriptor(
            "head",
            "relu_gap_dropout_linear",
            List.of(last),
            List.of(headWeight.name(), headBias.name())));
    return steps;
  }

  private String nameAt(
      List<LayerDescriptor> steps, List<Map<Integer, String>> names, int j, int s) {
    String name = names.get(j).get(s);
    if (name == null) {
      String from = nameAt(steps, names, j, s - 1);
      FactorizedReduce fr = reduce.get(s - 1).get(j);
      name = reductionName(reductions[s - 1], j);
      steps.add(
          new LayerDescriptor(
              name,
              "factorized_reduce",
              List.of(from),
              fr == null ? List.of() : Param.names(fr.params())));
      names.get(j).put(s, name);
    }
    return name;
  }

  private static String reductionName(int r, int j) {
    return "reduction" + r + ".layer" + j;
  }
}
