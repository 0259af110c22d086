package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.space.Architecture;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.space.SearchSpace;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * For every architecture, the standalone network with the supernet's weights copied in computes
 * what the supernet computes for that child.
 */
class EquivalenceTest {
  private static final int BATCH = 4;
  private static Supernet macro;
  private static Supernet micro;
  private static Supernet widened;

  @BeforeContainer
  static void trainSupernets() {
    macro =
        Supernet.create(
            new MacroSpace(6), NoDriftTest.macroSpec(), SgdSettings.macroDefaults(), 21);
    micro =
        Supernet.create(
            new MicroSpace(3), NoDriftTest.microSpec(), SgdSettings.microDefaults(), 22);
    widened =
        Supernet.create(
            new MacroSpace(3),
            new NetworkSpec(3, 4, 3, 2, 12, 12, 0f, true),
            SgdSettings.macroDefaults(),
            24);
    // A few steps move weights and statistics away from their initial values, so the comparison
    // would notice a standalone network that kept its own.
    Random random = new Random(23);
    for (Supernet net : new Supernet[] {macro, micro, widened}) {
      for (int s = 0; s < 3; s++) {
        net.trainStep(
            Fixtures.randomArchitecture(net.space(), random),
            Fixtures.images(net.spec(), BATCH, random),
            Fixtures.labels(net.spec(), BATCH, random),
            0.05);
      }
    }
  }

  @AfterContainer
  static void close() {
    macro.close();
    micro.close();
    widened.close();
  }

  @Property(tries = 6)
  void macroChildMatchesStandalone(@ForAll long seed) {
    assertSameLogits(macro, seed);
  }

  @Property(tries = 4)
  void widenedMacroChildMatchesStandalone(@ForAll long seed) {
    assertSameLogits(widened, seed);
  }

  @Property(tries = 6)
  void microChildMatchesStandalone(@ForAll long seed) {
    assertSameLogits(micro, seed);
  }

  private static void assertSameLogits(Supernet supernet, long seed) {
    Random random = new Random(seed);
    SearchSpace space = supernet.space();
    Architecture child = Fixtures.randomArchitecture(space, random);
    float[] images = Fixtures.images(supernet.spec(), BATCH, random);
    float[] expected = supernet.logits(child, images);
    try (StandaloneNetwork standalone =
        StandaloneNetwork.create(child, supernet.spec(), SgdSettings.macroDefaults(), seed + 1)) {
      standalone.copyWeightsFrom(supernet);
      float[] actual = standalone.logits(images, BatchNormMode.BATCH);
      assertThat(actual).hasSize(BATCH * supernet.spec().classes());
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i]).as("logit %d of %s", i, child).isCloseTo(expected[i], within(1e-5f));
      }
    }
  }
}
