package dev.enas.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ArchitectureEncodingTest {

  /** Draws a valid decision vector by walking the space's program. */
  static int[] randomDecisions(SearchSpace space, Random random) {
    int[] values = new int[space.decisionWidth()];
    int cursor = 0;
    for (Decision d : space.decisions()) {
      if (d instanceof Decision.Op) {
        values[cursor++] = random.nextInt(space.numOps());
      } else if (d instanceof Decision.Input input) {
        values[cursor++] = random.nextInt(input.candidates());
      } else if (d instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          values[cursor++] = random.nextInt(2);
        }
      }
    }
    return values;
  }

  @Property(tries = 300)
  void macroRoundTrips(@ForAll @IntRange(min = 1, max = 24) int layers, @ForAll long seed) {
    MacroSpace space = new MacroSpace(layers);
    Architecture arch = space.fromDecisions(randomDecisions(space, new Random(seed)));
    String text = arch.encode();
    assertThat(space.parse(text)).isEqualTo(arch);
    assertThat(SearchSpaces.parse(text)).isEqualTo(arch);
    assertThat(SearchSpaces.parse(text).encode()).isEqualTo(text);
  }

  @Property(tries = 300)
  void microRoundTrips(@ForAll @IntRange(min = 1, max = 9) int nodes, @ForAll long seed) {
    MicroSpace space = new MicroSpace(nodes);
    Architecture arch = space.fromDecisions(randomDecisions(space, new Random(seed)));
    String text = arch.encode();
    assertThat(space.parse(text)).isEqualTo(arch);
    assertThat(SearchSpaces.parse(text)).isEqualTo(arch);
  }

  @Property(tries = 200)
  void anOutOfRangeMacroValueIsRejectedWithItsLayer(
      @ForAll @IntRange(min = 2, max = 12) int layers, @ForAll long seed) {
    MacroSpace space = new MacroSpace(layers);
    Random random = new Random(seed);
    int[] values = randomDecisions(space, random);
    int layer = 1 + random.nextInt(layers - 1);
    boolean corruptOp = random.nextBoolean();
    int at = MacroSpace.offset(layer) + (corruptOp ? 0 : 1 + random.nextInt(layer));
    values[at] = corruptOp ? 6 + random.nextInt(5) : 2 + random.nextInt(5);
    String text = encodeRaw(space, values);
    assertThatThrownBy(() -> space.parse(text))
        .isInstanceOf(ArchitectureFormatException.class)
        .hasMessageContaining("layer " + layer + ":")
        .hasMessageContaining(corruptOp ? "op " + values[at] + " is outside 0..5" : "outside 0..1");
  }

  @Property(tries = 200)
  void anOutOfRangeMicroValueIsRejectedWithItsNode(
      @ForAll @IntRange(min = 1, max = 6) int nodes, @ForAll long seed) {
    MicroSpace space = new MicroSpace(nodes);
    Random random = new Random(seed);
    int[] values = randomDecisions(space, random);
    int cell = random.nextInt(2);
    int node = random.nextInt(nodes);
    int slot = random.nextInt(4);
    int at = space.offset(cell, node) + slot;
    boolean isInput = slot % 2 == 0;
    values[at] = isInput ? node + 2 + random.nextInt(3) : 5 + random.nextInt(3);
    assertThatThrownBy(() -> space.fromDecisions(values))
        .isInstanceOf(ArchitectureFormatException.class)
        .hasMessageContaining((cell == 0 ? "normal" : "reduction") + " cell, node " + (node + 2))
        .hasMessageContaining((isInput ? "input " : "op ") + (slot / 2 + 1))
        .hasMessageContaining("outside 0.." + (isInput ? node + 1 : 4));
  }

  private static String encodeRaw(MacroSpace space, int[] values) {
    StringBuilder sb = new StringBuilder("macro: ");
    for (int i = 0; i < space.layers(); i++) {
      if (i > 0) {
        sb.append(" | ");
      }
      for (int j = 0; j <= i; j++) {
        if (j > 0) {
          sb.append(' ');
        }
        sb.append(values[MacroSpace.offset(i) + j]);
      }
    }
    return sb.toString();
  }

  @Test
  void macroTextIsReadable() {
    MacroArchitecture arch = new MacroSpace(3).parse("macro: 0 | 3 1 | 5 0 1");
    assertThat(arch.op(0)).isEqualTo(MacroOp.CONV_3X3);
    assertThat(arch.op(1)).isEqualTo(MacroOp.SEP_CONV_5X5);
    assertThat(arch.op(2)).isEqualTo(MacroOp.AVG_POOL_3X3);
    assertThat(arch.skip(1, 0)).isTrue();
    assertThat(arch.skip(2, 0)).isFalse();
    assertThat(arch.skip(2, 1)).isTrue();
    assertThat(arch.skipCount()).isEqualTo(2);
    assertThat(arch.encode()).isEqualTo("macro: 0 | 3 1 | 5 0 1");
    assertThat(new MacroSpace(3).parse("  macro:0|3   1|5 0 1 ")).isEqualTo(arch);
  }

  @Test
  void microTextIsReadable() {
    MicroArchitecture arch =
        new MicroSpace(2).parse("micro: 0 1 1 4 | 2 0 0 2 ; 1 3 0 0 | 1 1 2 4");
    assertThat(arch.input(MicroArchitecture.NORMAL, 1, 0)).isEqualTo(2);
    assertThat(arch.op(MicroArchitecture.NORMAL, 0, 1)).isEqualTo(MicroOp.IDENTITY);
    assertThat(arch.op(MicroArchitecture.REDUCTION, 0, 0)).isEqualTo(MicroOp.MAX_POOL_3X3);
    assertThat(arch.looseEnds(MicroArchitecture.NORMAL)).containsExactly(3);
    assertThat(arch.looseEnds(MicroArchitecture.REDUCTION)).containsExactly(3);
  }

  @Test
  void malformedTextsNameThePosition() {
    MacroSpace macro = new MacroSpace(3);
    assertThatThrownBy(() -> macro.parse("macro: 0 | 3 1"))
        .hasMessage("expected 3 layers separated by '|', found 2");
    assertThatThrownBy(() -> macro.parse("macro: 0 | 3 | 5 0 1"))
        .hasMessage("layer 1: expected 2 values (an op and 1 skip bits), found 1");
    assertThatThrownBy(() -> macro.parse("macro: 0 | 3 x | 5 0 1"))
        .hasMessage("layer 1, value 2: 'x' is not a whole number");
    assertThatThrownBy(() -> macro.parse("macro: 0 | 3 1 | 7 0 1"))
        .hasMessage("layer 2: op 7 is outside 0..5");
    assertThatThrownBy(() -> macro.parse("micro: 0 | 3 1 | 5 0 1"))
        .hasMessage("expected the text to start with 'macro:', found 'micro:'");
    assertThatThrownBy(() -> SearchSpaces.parse("cnn: 1 2 3"))
        .hasMessageContaining("unknown space 'cnn'");
    MicroSpace micro = new MicroSpace(2);
    assertThatThrownBy(() -> micro.parse("micro: 0 1 1 4 | 2 0 0 2"))
        .hasMessageContaining("expected two cells");
    assertThatThrownBy(() -> micro.parse("micro: 0 1 1 4 | 2 0 0 ; 1 3 0 0 | 1 1 2 4"))
        .hasMessage("normal cell, node 3: expected 4 values (input op input op), found 3");
    assertThatThrownBy(() -> micro.parse("micro: 0 1 1 4 | 2 0 0 2 ; 1 3 2 0 | 1 1 2 4"))
        .hasMessage("reduction cell, node 2: input 2 2 is outside 0..1");
    assertThatThrownBy(() -> SearchSpaces.parse(null)).hasMessage("architecture text is missing");
  }

  @Test
  void spaceSizes() {
    // 6^12 * 2^66 = 1.6e29, the figure the paper gives for its 12-layer macro space.
    MacroSpace macro = new MacroSpace(12);
    assertThat(macro.size()).isEqualTo(BigInteger.valueOf(6).pow(12).shiftLeft(66));
    assertThat(macro.log10Size()).isBetween(29.2, 29.3);
    // Per cell: product over nodes k of ((k + 2) * 5)^2, then squared for the two cells.
    MicroSpace micro = new MicroSpace(2);
    assertThat(micro.size()).isEqualTo(BigInteger.valueOf(10L * 10 * 15 * 15).pow(2));
    assertThat(new MacroSpace(64).log10Size()).isGreaterThan(600);
  }

  @Test
  void decisionProgramsHaveTheDocumentedShape() {
    MacroSpace macro = new MacroSpace(4);
    assertThat(macro.decisions()).hasSize(8);
    assertThat(macro.decisionWidth()).isEqualTo(4 + 6);
    assertThat(macro.reductionLayers()).containsExactly(0, 1);
    assertThat(new MacroSpace(12).reductionLayers()).containsExactly(3, 7);
    assertThat(new MacroSpace(2).reductionLayers()).isEmpty();
    MicroSpace micro = new MicroSpace(5);
    assertThat(micro.decisionWidth()).isEqualTo(2 * 5 * 4);
    assertThat(micro.decisions()).hasSize(2 * (2 + 5 * 5));
  }

  @Test
  void badSpaceParametersAreRejected() {
    assertThatThrownBy(() -> new MacroSpace(0)).hasMessage("layers must be in 1..64, was 0");
    assertThatThrownBy(() -> new MicroSpace(33)).hasMessage("nodes must be in 1..32, was 33");
  }
}
