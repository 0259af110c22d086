package dev.enas.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The macro (whole-network) space of ENAS: {@code layers} layers, each running one of the six
 * {@link MacroOp}s and taking a skip connection from any subset of the earlier layers. Reductions
 * (factorized, stride 2) follow layers {@code layers/3 - 1} and {@code 2*layers/3 - 1}, as in the
 * paper's released code; with fewer than three layers there is no reduction.
 *
 * <p>Decision program per layer i: {@code Op}, then {@code Skips(i)} (one bit per earlier layer).
 * Text encoding: {@code macro: } then one group per layer separated by {@code |}; group i is the op
 * id followed by i skip bits, the bit for layer 0 first. Example: {@code macro: 0 | 3 1 | 5 0 1}.
 */
public final class MacroSpace implements SearchSpace {
  /** Upper bound on layers: the skip bits grow quadratically and nothing sensible needs more. */
  public static final int MAX_LAYERS = 64;

  private final int layers;
  private final List<Decision> decisions;

  public MacroSpace(int layers) {
    if (layers < 1 || layers > MAX_LAYERS) {
      throw new IllegalArgumentException("layers must be in 1.." + MAX_LAYERS + ", was " + layers);
    }
    this.layers = layers;
    List<Decision> program = new ArrayList<>(2 * layers);
    for (int i = 0; i < layers; i++) {
      program.add(new Decision.Op());
      program.add(new Decision.Skips(i));
    }
    this.decisions = List.copyOf(program);
  }

  public int layers() {
    return layers;
  }

  /** Layers after which a factorized reduction halves the resolution and doubles the channels. */
  public int[] reductionLayers() {
    int distance = layers / 3;
    if (distance < 1) {
      return new int[0];
    }
    return new int[] {distance - 1, 2 * distance - 1};
  }

  /** Index of layer i's op in the decision vector: layer i starts after i ops and i(i-1)/2 bits. */
  static int offset(int layer) {
    return layer + layer * (layer - 1) / 2;
  }

  @Override
  public String kind() {
    return "macro";
  }

  @Override
  public int numOps() {
    return MacroOp.values().length;
  }

  @Override
  public List<String> opNames() {
    return Arrays.stream(MacroOp.values()).map(MacroOp::shortName).toList();
  }

  @Override
  public List<Decision> decisions() {
    return decisions;
  }

  @Override
  public MacroArchitecture fromDecisions(int[] values) {
    int expected = decisionWidth();
    if (values.length != expected) {
      throw new ArchitectureFormatException(
          "a "
              + layers
              + "-layer macro architecture has "
              + expected
              + " decisions, found "
              + values.length);
    }
    for (int i = 0; i < layers; i++) {
      int at = offset(i);
      Encoding.checkRange(values[at], numOps() - 1, "layer " + i + ": op");
      for (int j = 0; j < i; j++) {
        Encoding.checkRange(
            values[at + 1 + j], 1, "layer " + i + ": skip bit from layer " + j + " is");
      }
    }
    return new MacroArchitecture(this, values);
  }

  @Override
  public MacroArchitecture plain() {
    StringBuilder text = new StringBuilder("macro: ");
    for (int i = 0; i < layers; i++) {
      text.append(i == 0 ? "0" : " | 0").append(" 0".repeat(i));
    }
    return parse(text.toString());
  }

  @Override
  public MacroArchitecture parse(String text) {
    List<String> groups = Encoding.split(Encoding.body(text, kind()), '|');
    if (groups.size() != layers) {
      throw new ArchitectureFormatException(
          "expected " + layers + " layers separated by '|', found " + groups.size());
    }
    int[] values = new int[decisionWidth()];
    for (int i = 0; i < layers; i++) {
      int[] numbers = Encoding.numbers(groups.get(i), "layer " + i);
      if (numbers.length != i + 1) {
        throw new ArchitectureFormatException(
            "layer "
                + i
                + ": expected "
                + (i + 1)
                + " values (an op and "
                + i
                + " skip bits), found "
                + numbers.length);
      }
      System.arraycopy(numbers, 0, values, offset(i), numbers.length);
    }
    return fromDecisions(values);
  }

  /** Parses a macro architecture of any depth, taking the depth from the text. */
  public static MacroArchitecture parseAnyDepth(String text) {
    int layers = Encoding.split(Encoding.body(text, "macro"), '|').size();
    if (layers > MAX_LAYERS) {
      throw new ArchitectureFormatException(
          "a macro architecture has at most " + MAX_LAYERS + " layers, found " + layers);
    }
    return new MacroSpace(layers).parse(text);
  }

  @Override
  public BigInteger size() {
    BigInteger ops = BigInteger.valueOf(numOps()).pow(layers);
    return ops.shiftLeft(layers * (layers - 1) / 2);
  }

  @Override
  public String describe() {
    return "macro(layers=" + layers + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MacroSpace other && other.layers == layers;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(layers) * 17 + 1;
  }

  @Override
  public String toString() {
    return describe();
  }
}
