package dev.enas.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The micro (cell) space of ENAS: a normal cell and a reduction cell, each with two cell inputs
 * (the outputs of the two previous cells, ids 0 and 1) and {@code nodes} nodes. Node k (id k + 2)
 * picks two (input, op) pairs; an input is any id below its own; the node sums the two results. The
 * cell's output concatenates the nodes no other node of the cell reads.
 *
 * <p>Decision program per cell: two {@code Anchor} steps (the cell inputs), then per node {@code
 * Input(k+2), Op, Input(k+2), Op, Anchor}. The controller samples the normal cell first, then the
 * reduction cell, continuing the same LSTM state.
 *
 * <p>Text encoding: {@code micro: } normal cell {@code ;} reduction cell; a cell is its nodes
 * separated by {@code |}; a node is {@code input op input op}. Example with two nodes: {@code
 * micro: 0 1 1 4 | 2 0 0 2 ; 1 3 0 0 | 1 1 2 4}.
 */
public final class MicroSpace implements SearchSpace {
  /** Upper bound on nodes per cell. */
  public static final int MAX_NODES = 32;

  /** Values per node in the decision vector: input, op, input, op. */
  static final int NODE_WIDTH = 4;

  private final int nodes;
  private final List<Decision> decisions;

  public MicroSpace(int nodes) {
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new IllegalArgumentException("nodes must be in 1.." + MAX_NODES + ", was " + nodes);
    }
    this.nodes = nodes;
    List<Decision> program = new ArrayList<>();
    for (int cell = 0; cell < 2; cell++) {
      program.add(new Decision.Anchor());
      program.add(new Decision.Anchor());
      for (int k = 0; k < nodes; k++) {
        program.add(new Decision.Input(k + 2));
        program.add(new Decision.Op());
        program.add(new Decision.Input(k + 2));
        program.add(new Decision.Op());
        program.add(new Decision.Anchor());
      }
    }
    this.decisions = List.copyOf(program);
  }

  /** Nodes per cell, not counting the two cell inputs. */
  public int nodes() {
    return nodes;
  }

  /** Index of a node's first value in the decision vector; cell 0 is normal, 1 is reduction. */
  int offset(int cell, int node) {
    return (cell * nodes + node) * NODE_WIDTH;
  }

  @Override
  public String kind() {
    return "micro";
  }

  @Override
  public int numOps() {
    return MicroOp.values().length;
  }

  @Override
  public List<String> opNames() {
    return Arrays.stream(MicroOp.values()).map(MicroOp::shortName).toList();
  }

  @Override
  public List<Decision> decisions() {
    return decisions;
  }

  @Override
  public MicroArchitecture fromDecisions(int[] values) {
    int expected = decisionWidth();
    if (values.length != expected) {
      throw new ArchitectureFormatException(
          "a "
              + nodes
              + "-node micro architecture has "
              + expected
              + " decisions, found "
              + values.length);
    }
    for (int cell = 0; cell < 2; cell++) {
      for (int k = 0; k < nodes; k++) {
        int at = offset(cell, k);
        String where = MicroArchitecture.cellName(cell) + " cell, node " + (k + 2) + ": ";
        for (int pair = 0; pair < 2; pair++) {
          Encoding.checkRange(values[at + 2 * pair], k + 1, where + "input " + (pair + 1));
          Encoding.checkRange(values[at + 2 * pair + 1], numOps() - 1, where + "op " + (pair + 1));
        }
      }
    }
    return new MicroArchitecture(this, values);
  }

  @Override
  public MicroArchitecture plain() {
    StringBuilder cell = new StringBuilder("1 0 0 0");
    for (int k = 1; k < nodes; k++) {
      cell.append(" | ").append(k + 1).append(" 0 ").append(k + 1).append(" 0");
    }
    return parse("micro: " + cell + " ; " + cell);
  }

  @Override
  public MicroArchitecture parse(String text) {
    List<String> cells = Encoding.split(Encoding.body(text, kind()), ';');
    if (cells.size() != 2) {
      throw new ArchitectureFormatException(
          "expected two cells (normal ; reduction) separated by ';', found " + cells.size());
    }
    int[] values = new int[decisionWidth()];
    for (int cell = 0; cell < 2; cell++) {
      String name = MicroArchitecture.cellName(cell);
      List<String> groups = Encoding.split(cells.get(cell), '|');
      if (groups.size() != nodes) {
        throw new ArchitectureFormatException(
            name + " cell: expected " + nodes + " nodes separated by '|', found " + groups.size());
      }
      for (int k = 0; k < nodes; k++) {
        String where = name + " cell, node " + (k + 2);
        int[] numbers = Encoding.numbers(groups.get(k), where);
        if (numbers.length != NODE_WIDTH) {
          throw new ArchitectureFormatException(
              where + ": expected 4 values (input op input op), found " + numbers.length);
        }
        System.arraycopy(numbers, 0, values, offset(cell, k), NODE_WIDTH);
      }
    }
    return fromDecisions(values);
  }

  /** Parses a micro architecture of any cell size, taking the node count from the text. */
  public static MicroArchitecture parseAnySize(String text) {
    List<String> cells = Encoding.split(Encoding.body(text, "micro"), ';');
    int nodes = Encoding.split(cells.get(0), '|').size();
    if (nodes > MAX_NODES) {
      throw new ArchitectureFormatException(
          "a micro cell has at most " + MAX_NODES + " nodes, found " + nodes);
    }
    return new MicroSpace(nodes).parse(text);
  }

  @Override
  public BigInteger size() {
    BigInteger perCell = BigInteger.ONE;
    for (int k = 0; k < nodes; k++) {
      BigInteger pair = BigInteger.valueOf((long) (k + 2) * numOps());
      perCell = perCell.multiply(pair.multiply(pair));
    }
    return perCell.multiply(perCell);
  }

  @Override
  public String describe() {
    return "micro(nodes=" + nodes + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MicroSpace other && other.nodes == nodes;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(nodes) * 17 + 2;
  }

  @Override
  public String toString() {
    return describe();
  }
}
