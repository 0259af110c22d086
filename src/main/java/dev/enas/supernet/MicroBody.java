package dev.enas.supernet;

import dev.enas.space.Architecture;
import dev.enas.space.MicroArchitecture;
import dev.enas.space.MicroOp;
import dev.enas.space.MicroSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The micro space's network: stem (3x3 convolution, batch norm), then {@code depth} normal cells, a
 * reduction cell, {@code depth} normal cells, a reduction cell, {@code depth} normal cells, and a
 * classifier head (ReLU, global average pooling, dropout, linear). Cell i reads the outputs of
 * cells i-2 and i-1 (the stem stands in for missing ones); every cell position has its own weights.
 *
 * <p>Cell inputs are first calibrated to the cell's shape: an input at twice the cell's resolution
 * is factorized-reduced (ReLU first), any other passes ReLU, 1x1 convolution, batch norm. A
 * reduction cell thus factorized-reduces both its inputs to half resolution (and its doubled width
 * when widening) and then runs its nodes at stride 1, as the released ENAS search code does.
 *
 * <p>Node k sums its two (input, op) results; a candidate's weights are kept per (node, slot,
 * input, op), as in the released code. The cell output concatenates the loose ends and applies
 * ReLU, a 1x1 convolution and batch norm. That convolution's weight is stored as one block W_k per
 * node, so a child reads (and its optimizer moves) only the blocks of its own loose ends.
 */
final class MicroBody implements Body {
  private static final String[] SLOTS = {"x", "y"};

  private final NetworkSpec spec;
  private final int nodes;
  private final Param stemConv;
  private final Bn stemBn;
  private final List<Cell> cells = new ArrayList<>();
  private final Param headWeight;
  private final Param headBias;

  /** One cell position with the candidates it holds. */
  private static final class Cell {
    final int index;
    final int type;
    final int stage;
    final CellInput in0;
    final CellInput in1;
    final Map<String, MicroBranch> branches = new LinkedHashMap<>();
    final Map<Integer, Param> outWeights = new LinkedHashMap<>();
    final Bn outBn;

    Cell(int index, int type, int stage, CellInput in0, CellInput in1, Bn outBn) {
      this.index = index;
      this.type = type;
      this.stage = stage;
      this.in0 = in0;
      this.in1 = in1;
      this.outBn = outBn;
    }
  }

  /** Calibration of one cell input: a factorized reduction or a ReLU-conv-BN projection. */
  private record CellInput(FactorizedReduce reduce, Projection projection) {
    <T> T forward(Ops<T> ops, T x) {
      return reduce != null ? reduce.forward(ops, x) : projection.forward(ops, x);
    }

    String op() {
      return reduce != null ? "factorized_reduce" : "relu_conv1x1_bn";
    }

    List<Param> params() {
      return reduce != null ? reduce.params() : projection.params();
    }
  }

  MicroBody(ParamStore store, NetworkSpec spec, MicroSpace space, MicroArchitecture child) {
    this.spec = spec;
    this.nodes = space.nodes();
    int n = spec.depth();
    int count = 3 * n + 2;
    stemConv =
        store.heNormal(
            "stem.conv", spec.inputChannels() * 9, spec.channelsAt(0), spec.inputChannels(), 3, 3);
    stemBn = Bn.create(store, "stem.bn", spec.channelsAt(0));
    int[] stageOf = new int[count];
    int stage = 0;
    for (int i = 0; i < count; i++) {
      boolean reduction = i == n || i == 2 * n + 1;
      if (reduction) {
        stage++;
      }
      stageOf[i] = stage;
      int type = reduction ? MicroArchitecture.REDUCTION : MicroArchitecture.NORMAL;
      int c = spec.channelsAt(stage);
      String name = "cell" + i;
      CellInput in0 = calibration(store, name + ".in0", sourceStage(stageOf, i - 2), stage, c);
      CellInput in1 = calibration(store, name + ".in1", sourceStage(stageOf, i - 1), stage, c);
      Cell cell = new Cell(i, type, stage, in0, in1, Bn.create(store, name + ".out.bn", c));
      for (int k = 0; k < nodes; k++) {
        for (int slot = 0; slot < 2; slot++) {
          for (int from = 0; from < k + 2; from++) {
            for (MicroOp op : MicroOp.values()) {
              boolean chosen =
                  child == null
                      || (child.input(type, k, slot) == from && child.op(type, k, slot) == op);
              if (chosen) {
                String key = branchName(i, k, slot, from, op);
                cell.branches.put(key, new MicroBranch(store, key, op, c));
              }
            }
          }
        }
        int id = k + 2;
        if (child == null || child.looseEnds(type).contains(id)) {
          cell.outWeights.put(id, store.heNormal(name + ".out.node" + k, c, c, c, 1, 1));
        }
      }
      cells.add(cell);
    }
    int last = spec.channelsAt(stage);
    headWeight = store.heNormal("head.weight", last, spec.classes(), last);
    headBias = store.constantWeight("head.bias", 0f, spec.classes());
  }

  private static int sourceStage(int[] stageOf, int source) {
    return source < 0 ? 0 : stageOf[source];
  }

  private CellInput calibration(ParamStore store, String name, int fromStage, int stage, int c) {
    int in = spec.channelsAt(fromStage);
    if (fromStage == stage) {
      return new CellInput(null, new Projection(store, name, in, c));
    }
    if (fromStage == stage - 1) {
      return new CellInput(new FactorizedReduce(store, name, in, c, true), null);
    }
    throw new IllegalStateException("a cell input is more than one reduction away: " + name);
  }

  private static String branchName(int cell, int node, int slot, int from, MicroOp op) {
    return "cell"
        + cell
        + ".node"
        + node
        + "."
        + SLOTS[slot]
        + ".from"
        + from
        + "."
        + op.shortName();
  }

  @Override
  public <T> T forward(Ops<T> ops, T image, Architecture architecture) {
    MicroArchitecture arch = micro(architecture);
    T stem = ops.batchNorm(ops.conv(image, stemConv, 1, 1, 1), stemBn);
    T prev2 = stem;
    T prev1 = stem;
    for (Cell cell : cells) {
      T out = cellForward(ops, cell, arch, prev2, prev1);
      prev2 = prev1;
      prev1 = out;
    }
    T x = ops.dropout(ops.globalAvgPool(ops.relu(prev1)), spec.dropout());
    return ops.linear(x, headWeight, headBias);
  }

  private <T> T cellForward(Ops<T> ops, Cell cell, MicroArchitecture arch, T h0, T h1) {
    List<T> states = new ArrayList<>();
    states.add(cell.in0.forward(ops, h0));
    states.add(cell.in1.forward(ops, h1));
    for (int k = 0; k < nodes; k++) {
      List<T> terms = new ArrayList<>(2);
      for (int slot = 0; slot < 2; slot++) {
        int from = arch.input(cell.type, k, slot);
        MicroBranch branch = branch(cell, k, slot, from, arch.op(cell.type, k, slot));
        terms.add(branch.forward(ops, states.get(from)));
      }
      states.add(ops.sum(terms));
    }
    List<Integer> ends = arch.looseEnds(cell.type);
    List<T> outs = new ArrayList<>(ends.size());
    List<Param> weights = new ArrayList<>(ends.size());
    for (int id : ends) {
      outs.add(states.get(id));
      weights.add(outWeight(cell, id));
    }
    return ops.batchNorm(ops.conv(ops.relu(ops.concat(outs)), weights, 1, 0, 1), cell.outBn);
  }

  private MicroBranch branch(Cell cell, int node, int slot, int from, MicroOp op) {
    MicroBranch b = cell.branches.get(branchName(cell.index, node, slot, from, op));
    if (b == null) {
      throw new IllegalArgumentException(
          "this network holds no "
              + branchName(cell.index, node, slot, from, op)
              + ": the architecture is not the one it was built for");
    }
    return b;
  }

  private Param outWeight(Cell cell, int id) {
    Param w = cell.outWeights.get(id);
    if (w == null) {
      throw new IllegalArgumentException(
          "cell "
              + cell.index
              + " holds no output block for node "
              + (id - 2)
              + ": the architecture is not the one it was built for");
    }
    return w;
  }

  private MicroArchitecture micro(Architecture architecture) {
    if (!(architecture instanceof MicroArchitecture arch) || arch.nodes() != nodes) {
      throw new IllegalArgumentException(
          "expected a " + nodes + "-node micro architecture, got " + architecture);
    }
    return arch;
  }

  @Override
  public List<LayerDescriptor> describe(Architecture architecture) {
    MicroArchitecture arch = micro(architecture);
    List<LayerDescriptor> steps = new ArrayList<>();
    List<String> stemParams = new ArrayList<>(List.of(stemConv.name()));
    stemParams.addAll(Param.names(stemBn.params()));
    steps.add(new LayerDescriptor("stem", "conv3x3_bn", List.of("image"), stemParams));
    Map<Integer, String> outputName = new HashMap<>();
    for (Cell cell : cells) {
      String name = "cell" + cell.index;
      String src0 = cell.index >= 2 ? "cell" + (cell.index - 2) : "stem";
      String src1 = cell.index >= 1 ? "cell" + (cell.index - 1) : "stem";
      steps.add(
          new LayerDescriptor(
              name + ".in0", cell.in0.op(), List.of(src0), Param.names(cell.in0.params())));
      steps.add(
          new LayerDescriptor(
              name + ".in1", cell.in1.op(), List.of(src1), Param.names(cell.in1.params())));
      List<String> stateNames = new ArrayList<>(List.of(name + ".in0", name + ".in1"));
      for (int k = 0; k < nodes; k++) {
        List<String> terms = new ArrayList<>();
        for (int slot = 0; slot < 2; slot++) {
          for (int from = 0; from < k + 2; from++) {
            for (MicroOp op : MicroOp.values()) {
              String key = branchName(cell.index, k, slot, from, op);
              MicroBranch branch = cell.branches.get(key);
              if (branch != null) {
                steps.add(
                    new LayerDescriptor(
                        key,
                        op.shortName(),
                        List.of(stateNames.get(from)),
                        Param.names(branch.params())));
              }
            }
          }
          terms.add(
              branchName(
                  cell.index,
                  k,
                  slot,
                  arch.input(cell.type, k, slot),
                  arch.op(cell.type, k, slot)));
        }
        String node = name + ".node" + k;
        steps.add(new LayerDescriptor(node, "add", terms, List.of()));
        stateNames.add(node);
      }
      List<String> ends = new ArrayList<>();
      List<String> params = new ArrayList<>();
      for (int id : arch.looseEnds(cell.type)) {
        ends.add(stateNames.get(id));
      }
      cell.outWeights.values().forEach(p -> params.add(p.name()));
      params.addAll(Param.names(cell.outBn.params()));
      steps.add(new LayerDescriptor(name, "concat_relu_conv1x1_bn", ends, params));
      outputName.put(cell.index, name);
    }
    steps.add(
        new LayerDescriptor(
            "head",
            "relu_gap_dropout_linear",
            List.of(outputName.get(cells.size() - 1)),
            List.of(headWeight.name(), headBias.name())));
    return steps;
  }
}
