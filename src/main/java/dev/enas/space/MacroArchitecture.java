package dev.enas.space;

/** A child of the {@link MacroSpace}: an operation per layer and skip bits from earlier layers. */
public final class MacroArchitecture extends Architecture {

  MacroArchitecture(MacroSpace space, int[] decisions) {
    super(space, decisions);
  }

  public MacroSpace macroSpace() {
    return (MacroSpace) space();
  }

  public int layers() {
    return macroSpace().layers();
  }

  /** The operation layer {@code layer} runs. */
  public MacroOp op(int layer) {
    return MacroOp.values()[decision(MacroSpace.offset(checkLayer(layer)))];
  }

  /** Whether layer {@code layer} adds the output of the earlier layer {@code from} to its own. */
  public boolean skip(int layer, int from) {
    checkLayer(layer);
    if (from < 0 || from >= layer) {
      throw new IndexOutOfBoundsException(
          "layer " + layer + " has skip inputs from 0.." + (layer - 1) + ", asked for " + from);
    }
    return decision(MacroSpace.offset(layer) + 1 + from) == 1;
  }

  /** Total number of skip connections; the controller's skip penalty steers this density. */
  public int skipCount() {
    int count = 0;
    for (int i = 1; i < layers(); i++) {
      for (int j = 0; j < i; j++) {
        if (skip(i, j)) {
          count++;
        }
      }
    }
    return count;
  }

  private int checkLayer(int layer) {
    if (layer < 0 || layer >= layers()) {
      throw new IndexOutOfBoundsException("layer " + layer + " is outside 0.." + (layers() - 1));
    }
    return layer;
  }

  @Override
  public String encode() {
    StringBuilder sb = new StringBuilder("macro: ");
    for (int i = 0; i < layers(); i++) {
      if (i > 0) {
        sb.append(" | ");
      }
      int at = MacroSpace.offset(i);
      sb.append(decision(at));
      for (int j = 0; j < i; j++) {
        sb.append(' ').append(decision(at + 1 + j));
      }
    }
    return sb.toString();
  }
}
