package dev.enas.space;

import java.util.ArrayList;
import java.util.List;

/** A child of the {@link MicroSpace}: a normal cell and a reduction cell. */
public final class MicroArchitecture extends Architecture {
  /** Index of the normal cell in accessors. */
  public static final int NORMAL = 0;

  /** Index of the reduction cell in accessors. */
  public static final int REDUCTION = 1;

  MicroArchitecture(MicroSpace space, int[] decisions) {
    super(space, decisions);
  }

  static String cellName(int cell) {
    return cell == NORMAL ? "normal" : "reduction";
  }

  public MicroSpace microSpace() {
    return (MicroSpace) space();
  }

  public int nodes() {
    return microSpace().nodes();
  }

  /**
   * The id (0 and 1 are the cell inputs, k + 2 is node k) that input {@code which} (0 or 1) of node
   * {@code node} (0-based) of the given cell reads.
   */
  public int input(int cell, int node, int which) {
    return decision(microSpace().offset(checkCell(cell), checkNode(node)) + 2 * checkWhich(which));
  }

  /** The op applied to input {@code which} of node {@code node} of the given cell. */
  public MicroOp op(int cell, int node, int which) {
    int id =
        decision(microSpace().offset(checkCell(cell), checkNode(node)) + 2 * checkWhich(which) + 1);
    return MicroOp.values()[id];
  }

  /** Node ids (k + 2) that no node of the cell reads, in increasing order: the cell's output. */
  public List<Integer> looseEnds(int cell) {
    boolean[] used = new boolean[nodes() + 2];
    for (int k = 0; k < nodes(); k++) {
      used[input(cell, k, 0)] = true;
      used[input(cell, k, 1)] = true;
    }
    List<Integer> ends = new ArrayList<>();
    for (int id = 2; id < nodes() + 2; id++) {
      if (!used[id]) {
        ends.add(id);
      }
    }
    return ends;
  }

  private static int checkCell(int cell) {
    if (cell != NORMAL && cell != REDUCTION) {
      throw new IndexOutOfBoundsException("cell must be 0 (normal) or 1 (reduction), was " + cell);
    }
    return cell;
  }

  private int checkNode(int node) {
    if (node < 0 || node >= nodes()) {
      throw new IndexOutOfBoundsException("node " + node + " is outside 0.." + (nodes() - 1));
    }
    return node;
  }

  private static int checkWhich(int which) {
    if (which != 0 && which != 1) {
      throw new IndexOutOfBoundsException("input index must be 0 or 1, was " + which);
    }
    return which;
  }

  @Override
  public String encode() {
    StringBuilder sb = new StringBuilder("micro: ");
    for (int cell = 0; cell < 2; cell++) {
      if (cell > 0) {
        sb.append(" ; ");
      }
      for (int k = 0; k < nodes(); k++) {
        if (k > 0) {
          sb.append(" | ");
        }
        int at = microSpace().offset(cell, k);
        for (int v = 0; v < MicroSpace.NODE_WIDTH; v++) {
          if (v > 0) {
            sb.append(' ');
          }
          sb.append(decision(at + v));
        }
      }
    }
    return sb.toString();
  }
}
