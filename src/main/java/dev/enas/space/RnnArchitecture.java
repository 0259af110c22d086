package dev.enas.space;

import java.util.ArrayList;
import java.util.List;

/**
 * A child of the {@link RnnSpace}: one recurrent cell. Nodes are numbered from 0; node 0 reads the
 * input and the previous hidden state, node l &gt;= 1 reads {@link #input(int)}.
 */
public final class RnnArchitecture extends Architecture {

  RnnArchitecture(RnnSpace space, int[] decisions) {
    super(space, decisions);
  }

  public RnnSpace rnnSpace() {
    return (RnnSpace) space();
  }

  public int nodes() {
    return rnnSpace().nodes();
  }

  /** The earlier node (0..node-1) that node {@code node} (at least 1) reads. */
  public int input(int node) {
    if (node < 1 || node >= nodes()) {
      throw new IndexOutOfBoundsException(
          "only nodes 1.." + (nodes() - 1) + " choose an input, was " + node);
    }
    return decision(RnnSpace.inputOffset(node));
  }

  /** The activation of node {@code node}. */
  public RnnActivation activation(int node) {
    if (node < 0 || node >= nodes()) {
      throw new IndexOutOfBoundsException("node " + node + " is outside 0.." + (nodes() - 1));
    }
    return RnnActivation.values()[decision(RnnSpace.activationOffset(node))];
  }

  /** Nodes that no other node reads, in increasing order: their average is the cell's output. */
  public List<Integer> looseEnds() {
    boolean[] read = new boolean[nodes()];
    for (int l = 1; l < nodes(); l++) {
      read[input(l)] = true;
    }
    List<Integer> ends = new ArrayList<>();
    for (int l = 0; l < nodes(); l++) {
      if (!read[l]) {
        ends.add(l);
      }
    }
    return ends;
  }

  @Override
  public String encode() {
    StringBuilder sb = new StringBuilder("rnn: ");
    sb.append(decision(0));
    for (int l = 1; l < nodes(); l++) {
      sb.append(" | ").append(input(l)).append(' ').append(decision(RnnSpace.activationOffset(l)));
    }
    return sb.toString();
  }
}
