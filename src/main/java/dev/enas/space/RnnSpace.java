package dev.enas.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The recurrent-cell space of ENAS (the paper's Penn Treebank experiment): a cell of {@code nodes}
 * nodes computed once per time step. Node 0 reads the step's input x_t and the previous hidden
 * state h_{t-1}; every later node l reads one earlier node j &lt; l; each node applies one of the
 * {@link RnnActivation}s inside ENAS's highway form. The cell's output, which is also the next
 * hidden state, is the average of the nodes no other node reads.
 *
 * <p>Decision program: node 0 is {@code Op, Anchor}; node l is {@code Input(l), Op, Anchor}, where
 * input value 0 means node 0 (the oldest anchor). The paper's "node 1" is node 0 here.
 *
 * <p>Text encoding: {@code rnn: } then the nodes separated by {@code |}; node 0 is its activation,
 * a later node is {@code input activation}. Example with four nodes: {@code rnn: 0 | 0 1 | 0 3 | 2
 * 0}.
 */
public final class RnnSpace implements SearchSpace {
  /** Upper bound on nodes per cell. */
  public static final int MAX_NODES = 32;

  private final int nodes;
  private final List<Decision> decisions;

  public RnnSpace(int nodes) {
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new IllegalArgumentException("nodes must be in 1.." + MAX_NODES + ", was " + nodes);
    }
    this.nodes = nodes;
    List<Decision> program = new ArrayList<>();
    program.add(new Decision.Op());
    program.add(new Decision.Anchor());
    for (int l = 1; l < nodes; l++) {
      program.add(new Decision.Input(l));
      program.add(new Decision.Op());
      program.add(new Decision.Anchor());
    }
    this.decisions = List.copyOf(program);
  }

  /** Nodes of the cell. */
  public int nodes() {
    return nodes;
  }

  /** Index of node {@code node}'s activation in the decision vector. */
  static int activationOffset(int node) {
    return node == 0 ? 0 : 2 * node;
  }

  /** Index of node {@code node}'s input (node &gt;= 1) in the decision vector. */
  static int inputOffset(int node) {
    return 2 * node - 1;
  }

  @Override
  public String kind() {
    return "rnn";
  }

  @Override
  public int numOps() {
    return RnnActivation.values().length;
  }

  @Override
  public List<String> opNames() {
    return Arrays.stream(RnnActivation.values()).map(RnnActivation::shortName).toList();
  }

  @Override
  public List<Decision> decisions() {
    return decisions;
  }

  @Override
  public RnnArchitecture fromDecisions(int[] values) {
    int expected = decisionWidth();
    if (values.length != expected) {
      throw new ArchitectureFormatException(
          "a " + nodes + "-node rnn cell has " + expected + " decisions, found " + values.length);
    }
    for (int l = 0; l < nodes; l++) {
      String where = "node " + l + ": ";
      if (l > 0) {
        Encoding.checkRange(values[inputOffset(l)], l - 1, where + "input");
      }
      Encoding.checkRange(values[activationOffset(l)], numOps() - 1, where + "activation");
    }
    return new RnnArchitecture(this, values);
  }

  @Override
  public RnnArchitecture plain() {
    StringBuilder text = new StringBuilder("rnn: 0");
    for (int l = 1; l < nodes; l++) {
      text.append(" | ").append(l - 1).append(" 0");
    }
    return parse(text.toString());
  }

  @Override
  public RnnArchitecture parse(String text) {
    List<String> groups = Encoding.split(Encoding.body(text, kind()), '|');
    if (groups.size() != nodes) {
      throw new ArchitectureFormatException(
          "expected " + nodes + " nodes separated by '|', found " + groups.size());
    }
    int[] values = new int[decisionWidth()];
    for (int l = 0; l < nodes; l++) {
      String where = "node " + l;
      int[] numbers = Encoding.numbers(groups.get(l), where);
      if (l == 0) {
        if (numbers.length != 1) {
          throw new ArchitectureFormatException(
              where + ": expected 1 value (activation), found " + numbers.length);
        }
        values[0] = numbers[0];
      } else {
        if (numbers.length != 2) {
          throw new ArchitectureFormatException(
              where + ": expected 2 values (input activation), found " + numbers.length);
        }
        values[inputOffset(l)] = numbers[0];
        values[activationOffset(l)] = numbers[1];
      }
    }
    return fromDecisions(values);
  }

  /** Parses an rnn cell of any size, taking the node count from the text. */
  public static RnnArchitecture parseAnySize(String text) {
    int nodes = Encoding.split(Encoding.body(text, "rnn"), '|').size();
    if (nodes > MAX_NODES) {
      throw new ArchitectureFormatException(
          "an rnn cell has at most " + MAX_NODES + " nodes, found " + nodes);
    }
    return new RnnSpace(nodes).parse(text);
  }

  /** 4 activations for node 0, then l inputs times 4 activations for every node l. */
  @Override
  public BigInteger size() {
    BigInteger ops = BigInteger.valueOf(numOps());
    BigInteger size = ops;
    for (int l = 1; l < nodes; l++) {
      size = size.multiply(ops).multiply(BigInteger.valueOf(l));
    }
    return size;
  }

  @Override
  public String describe() {
    return "rnn(nodes=" + nodes + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RnnSpace other && other.nodes == nodes;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(nodes) * 17 + 3;
  }

  @Override
  public String toString() {
    return describe();
  }
}
