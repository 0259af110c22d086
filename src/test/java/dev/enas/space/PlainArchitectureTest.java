package dev.enas.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain child of each space: the baseline a search is measured against. */
class PlainArchitectureTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 6, 12})
  void thePlainMacroChildIsAChainOfThreeByThreeConvolutions(int layers) {
    MacroArchitecture plain = new MacroSpace(layers).plain();
    for (int i = 0; i < layers; i++) {
      assertThat(plain.op(i)).isEqualTo(MacroOp.CONV_3X3);
    }
    assertThat(plain.skipCount()).isZero();
    assertThat(SearchSpaces.parse(plain.encode())).isEqualTo(plain);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5})
  void thePlainMicroCellIsAChainOfSeparableConvolutionsWithOneLooseEnd(int nodes) {
    MicroArchitecture plain = new MicroSpace(nodes).plain();
    for (int cell : new int[] {MicroArchitecture.NORMAL, MicroArchitecture.REDUCTION}) {
      assertThat(plain.input(cell, 0, 0)).isEqualTo(1);
      assertThat(plain.input(cell, 0, 1)).isEqualTo(0);
      for (int k = 1; k < nodes; k++) {
        assertThat(plain.input(cell, k, 0)).isEqualTo(k + 1);
        assertThat(plain.input(cell, k, 1)).isEqualTo(k + 1);
      }
      for (int k = 0; k < nodes; k++) {
        assertThat(plain.op(cell, k, 0)).isEqualTo(MicroOp.values()[0]);
        assertThat(plain.op(cell, k, 1)).isEqualTo(MicroOp.values()[0]);
      }
      assertThat(plain.looseEnds(cell)).containsExactly(nodes + 1);
    }
    assertThat(SearchSpaces.parse(plain.encode())).isEqualTo(plain);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 8, 12})
  void thePlainRnnCellIsAChainOfTanhNodes(int nodes) {
    RnnArchitecture plain = new RnnSpace(nodes).plain();
    for (int l = 0; l < nodes; l++) {
      assertThat(plain.activation(l)).isEqualTo(RnnActivation.values()[0]);
      if (l > 0) {
        assertThat(plain.input(l)).isEqualTo(l - 1);
      }
    }
    assertThat(plain.looseEnds()).isEqualTo(List.of(nodes - 1));
    assertThat(SearchSpaces.parse(plain.encode())).isEqualTo(plain);
  }
}
