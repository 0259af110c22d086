package dev.enas.space;

import java.math.BigInteger;
import java.util.List;

/**
 * A family of child networks. The space defines the controller's decision program, the flat
 * decision vector that identifies one child, and the canonical text encoding of a child.
 *
 * <p>Implementations are immutable values; two spaces with equal parameters are equal.
 */
public interface SearchSpace {

  /** Short name used as the first token of the text encoding: "macro", "micro", "rnn". */
  String kind();

  /** Number of entries in the operation table that {@link Decision.Op} chooses from. */
  int numOps();

  /** Display names of the operations, indexed by operation id. */
  List<String> opNames();

  /** The controller's program: one LSTM step per entry. */
  List<Decision> decisions();

  /** Length of the flat decision vector: the sum of the decisions' widths. */
  default int decisionWidth() {
    int width = 0;
    for (Decision d : decisions()) {
      width += d.width();
    }
    return width;
  }

  /**
   * Builds the architecture for a flat decision vector in program order.
   *
   * @throws ArchitectureFormatException naming the first value that is out of range
   */
  Architecture fromDecisions(int[] values);

  /**
   * Parses the canonical text encoding.
   *
   * @throws ArchitectureFormatException naming the position of the first error
   */
  Architecture parse(String text);

  /**
   * The plainest child of the space, the baseline a search has to beat: every operation the first
   * one of the table (a 3x3 convolution, a 3x3 separable convolution, tanh) and the nodes or layers
   * in one chain, without skips. Macro: {@code 0 | 0 0 | 0 0 0 ...}. Micro, both cells: node 0
   * applies the separable 3x3 convolution to each cell input, every later node applies it twice to
   * the node before it, so the cell is a chain ending in one loose end. Rnn: every node tanh of the
   * node before it.
   */
  Architecture plain();

  /** Number of distinct architectures in the space. */
  BigInteger size();

  /** Base-10 logarithm of {@link #size()}, for display. */
  default double log10Size() {
    BigInteger size = size();
    int bits = size.bitLength();
    if (bits < 1000) {
      return Math.log10(size.doubleValue());
    }
    int shift = bits - 900;
    return Math.log10(size.shiftRight(shift).doubleValue()) + shift * Math.log10(2);
  }

  /** A one-line description of the space's parameters, for logs and provenance. */
  String describe();
}
