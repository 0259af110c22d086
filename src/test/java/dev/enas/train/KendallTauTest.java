package dev.enas.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Reference values from brute force over all permutations (Python, itertools) and by hand. */
class KendallTauTest {

  @Test
  void perfectOrderAndReverseOrder() {
    double[] x = {1, 2, 3, 4, 5};
    KendallTau same = KendallTau.of(x, new double[] {10, 20, 30, 40, 50});
    assertThat(same.tau()).isEqualTo(1.0);
    // One permutation of 5! has no inversion and one has all ten: p = 2 / 120.
    assertThat(same.pValue()).isCloseTo(2.0 / 120, within(1e-12));
    KendallTau reversed = KendallTau.of(x, new double[] {5, 4, 3, 2, 1});
    assertThat(reversed.tau()).isEqualTo(-1.0);
    assertThat(reversed.pValue()).isCloseTo(2.0 / 120, within(1e-12));
  }

  @Test
  void exactPValuesWithoutTiesMatchEnumeratingEveryPermutation() {
    // 4 discordant pairs of 28: tau 20/28; 8! permutations enumerated give p = 0.0141369...
    KendallTau t =
        KendallTau.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, new double[] {2, 1, 4, 3, 6, 5, 8, 7});
    assertThat(t.tau()).isCloseTo(20.0 / 28, within(1e-12));
    assertThat(t.pValue()).isCloseTo(0.014136904761904762, within(1e-12));
    // 5 discordant of 15: tau 1/3, p = 0.469444... over the 720 permutations of 6.
    KendallTau u = KendallTau.of(new double[] {1, 2, 3, 4, 5, 6}, new double[] {3, 2, 1, 6, 4, 5});
    assertThat(u.tau()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(u.pValue()).isCloseTo(0.46944444444444444, within(1e-12));
    assertThat(u.n()).isEqualTo(6);
  }

  @Test
  void tiesUseTauBAndTheTieCorrectedNormalApproximation() {
    KendallTau t =
        KendallTau.of(new double[] {1, 2, 2, 3, 4, 5, 5, 6}, new double[] {1, 3, 2, 2, 5, 4, 6, 6});
    // 22 concordant, 2 discordant, 2 ties in each: 20 / sqrt(26 * 26).
    assertThat(t.tau()).isCloseTo(0.7692307692307693, within(1e-12));
    assertThat(t.pValue()).isCloseTo(0.010747577580460086, within(1e-6));
  }

  @Test
  void aConstantSampleHasNoCorrelation() {
    KendallTau t = KendallTau.of(new double[] {1, 1, 1}, new double[] {1, 2, 3});
    assertThat(t.tau()).isNaN();
    assertThat(t.pValue()).isNaN();
  }

  @Test
  void badInputIsRefusedNamingTheProblem() {
    assertThatThrownBy(() -> KendallTau.of(new double[] {1, 2, 3}, new double[] {1, 2}))
        .hasMessageContaining("x and y must pair up, found 3 and 2");
    assertThatThrownBy(() -> KendallTau.of(new double[] {1, 2}, new double[] {1, 2}))
        .hasMessageContaining("at least 3 pairs");
    assertThatThrownBy(() -> KendallTau.of(new double[] {1, Double.NaN, 3}, new double[] {1, 2, 3}))
        .hasMessageContaining("pair 1 holds NaN");
  }

  @Test
  void erfcMatchesKnownValues() {
    assertThat(KendallTau.erfc(0)).isCloseTo(1.0, within(1e-7));
    assertThat(KendallTau.erfc(1)).isCloseTo(0.157299207050285, within(1e-7));
    assertThat(KendallTau.erfc(-1)).isCloseTo(1.842700792949715, within(1e-7));
  }
}
