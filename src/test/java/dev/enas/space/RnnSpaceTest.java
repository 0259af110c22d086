package dev.enas.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RnnSpaceTest {

  @Property(tries = 300)
  void sampledCellsAreValidAndRoundTrip(
      @ForAll @IntRange(min = 1, max = 16) int nodes, @ForAll long seed) {
    RnnSpace space = new RnnSpace(nodes);
    RnnArchitecture cell =
        space.fromDecisions(ArchitectureEncodingTest.randomDecisions(space, new Random(seed)));
    String text = cell.encode();
    assertThat(space.parse(text)).isEqualTo(cell);
    assertThat(SearchSpaces.parse(text)).isEqualTo(cell);
    assertThat(SearchSpaces.parse(text).encode()).isEqualTo(text);
    // Every later node reads an earlier one; the last node is always a loose end, and a node is a
    // loose end exactly when no node reads it.
    List<Integer> readers = new ArrayList<>();
    for (int l = 1; l < nodes; l++) {
      assertThat(cell.input(l)).isBetween(0, l - 1);
      readers.add(cell.input(l));
    }
    assertThat(cell.looseEnds()).contains(nodes - 1);
    for (int l = 0; l < nodes; l++) {
      assertThat(cell.looseEnds().contains(l)).isEqualTo(!readers.contains(l));
    }
  }

  @Property(tries = 200)
  void anOutOfRangeValueIsRejectedWithItsNode(
      @ForAll @IntRange(min = 2, max = 12) int nodes, @ForAll long seed) {
    RnnSpace space = new RnnSpace(nodes);
    Random random = new Random(seed);
    int[] values = ArchitectureEncodingTest.randomDecisions(space, random);
    int node = 1 + random.nextInt(nodes - 1);
    boolean corruptInput = random.nextBoolean();
    if (corruptInput) {
      values[RnnSpace.inputOffset(node)] = node + random.nextInt(3);
    } else {
      values[RnnSpace.activationOffset(node)] = 4 + random.nextInt(3);
    }
    assertThatThrownBy(() -> space.fromDecisions(values))
        .isInstanceOf(ArchitectureFormatException.class)
        .hasMessageContaining("node " + node + ": " + (corruptInput ? "input" : "activation"))
        .hasMessageContaining("outside 0.." + (corruptInput ? node - 1 : 3));
  }

  @Test
  void textIsReadable() {
    RnnArchitecture cell = new RnnSpace(4).parse("rnn: 0 | 0 1 | 0 3 | 2 2");
    assertThat(cell.activation(0)).isEqualTo(RnnActivation.TANH);
    assertThat(cell.activation(1)).isEqualTo(RnnActivation.RELU);
    assertThat(cell.activation(2)).isEqualTo(RnnActivation.SIGMOID);
    assertThat(cell.activation(3)).isEqualTo(RnnActivation.IDENTITY);
    assertThat(cell.input(1)).isZero();
    assertThat(cell.input(3)).isEqualTo(2);
    assertThat(cell.looseEnds()).containsExactly(1, 3);
    assertThat(cell.encode()).isEqualTo("rnn: 0 | 0 1 | 0 3 | 2 2");
    assertThat(new RnnSpace(1).parse("rnn: 2").looseEnds()).containsExactly(0);
  }

  @Test
  void malformedTextsNameThePosition() {
    RnnSpace space = new RnnSpace(3);
    assertThatThrownBy(() -> space.parse("rnn: 0 | 0 1"))
        .hasMessage("expected 3 nodes separated by '|', found 2");
    assertThatThrownBy(() -> space.parse("rnn: 0 1 | 0 1 | 1 1"))
        .hasMessage("node 0: expected 1 value (activation), found 2");
    assertThatThrownBy(() -> space.parse("rnn: 0 | 0 | 1 1"))
        .hasMessage("node 1: expected 2 values (input activation), found 1");
    assertThatThrownBy(() -> space.parse("rnn: 0 | 0 1 | 2 1"))
        .hasMessage("node 2: input 2 is outside 0..1");
    assertThatThrownBy(() -> space.parse("rnn: 4 | 0 1 | 1 1"))
        .hasMessage("node 0: activation 4 is outside 0..3");
    assertThatThrownBy(() -> SearchSpaces.parse("rnn: 0 | 0 y"))
        .hasMessage("node 1, value 2: 'y' is not a whole number");
    assertThatThrownBy(() -> new RnnSpace(0)).hasMessage("nodes must be in 1..32, was 0");
  }

  @Test
  void sizeAndProgram() {
    // 4 activations per node and l choices of input for node l: 4^N * (N-1)!; about 6.7e14 for
    // the paper's 12 nodes (the paper rounds it to 10^15).
    RnnSpace space = new RnnSpace(12);
    BigInteger factorial = BigInteger.ONE;
    for (int i = 2; i <= 11; i++) {
      factorial = factorial.multiply(BigInteger.valueOf(i));
    }
    assertThat(space.size()).isEqualTo(BigInteger.valueOf(4).pow(12).multiply(factorial));
    assertThat(space.log10Size()).isBetween(14.8, 14.9);
    assertThat(space.decisionWidth()).isEqualTo(1 + 2 * 11);
    assertThat(space.decisions()).hasSize(2 + 3 * 11);
    assertThat(space.opNames()).containsExactly("tanh", "relu", "identity", "sigmoid");
  }
}
