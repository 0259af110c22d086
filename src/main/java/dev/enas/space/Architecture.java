package dev.enas.space;

import java.util.Arrays;

/**
 * One child network of a search space: an immutable value identified by its space and its flat
 * decision vector. Equality and hashing follow the decisions, so architectures can key maps and
 * sets; {@link #encode()} gives the canonical text, which {@link SearchSpace#parse} reads back.
 *
 * <p>Subclasses add typed accessors (operation of a layer, inputs of a node); they never add state
 * that the decision vector does not determine.
 */
public abstract class Architecture {
  private final SearchSpace space;
  private final int[] decisions;

  protected Architecture(SearchSpace space, int[] decisions) {
    this.space = space;
    this.decisions = decisions.clone();
  }

  public final SearchSpace space() {
    return space;
  }

  /** The flat decision vector in the space's program order (a copy). */
  public final int[] decisions() {
    return decisions.clone();
  }

  /** One entry of the decision vector, without copying. */
  public final int decision(int index) {
    return decisions[index];
  }

  /** The canonical text encoding, for example {@code macro: 0 | 3 1 | 5 0 1}. */
  public abstract String encode();

  @Override
  public final boolean equals(Object o) {
    return o instanceof Architecture other
        && space.equals(other.space)
        && Arrays.equals(decisions, other.decisions);
  }

  @Override
  public final int hashCode() {
    return 31 * space.hashCode() + Arrays.hashCode(decisions);
  }

  @Override
  public final String toString() {
    return encode();
  }
}
