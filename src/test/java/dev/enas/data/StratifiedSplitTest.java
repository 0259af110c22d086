package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StratifiedSplitTest {

  /** 1,000 images in 4 classes of unequal size: 100, 200, 300, 400. */
  private static ImageDataset unbalanced() {
    int[] labels = new int[1_000];
    int i = 0;
    for (int c = 0; c < 4; c++) {
      for (int k = 0; k < 100 * (c + 1); k++) {
        labels[i++] = c;
      }
    }
    return new ImageDataset("u", new byte[1_000], labels, 1, 1, 1, List.of("a", "b", "c", "d"));
  }

  @Test
  void everyClassKeepsItsProportion() {
    StratifiedSplit split = StratifiedSplit.byFraction(unbalanced(), 0.1, 7);

    assertThat(split.validation().classCounts()).containsExactly(10, 20, 30, 40);
    assertThat(split.train().classCounts()).containsExactly(90, 180, 270, 360);
    assertThat(split.train().name()).isEqualTo("u/train");
    assertThat(split.validation().name()).isEqualTo("u/validation");
  }

  @Test
  void roundingStillGivesTheExactTotal() {
    // 0.123 of 1,000 = 123, and no class share is a whole number.
    StratifiedSplit split = StratifiedSplit.byFraction(unbalanced(), 0.123, 7);

    assertThat(split.validation().size()).isEqualTo(123);
    assertThat(split.train().size()).isEqualTo(877);
    int[] counts = split.validation().classCounts();
    int[] exactTimesTen = {123, 246, 369, 492};
    for (int c = 0; c < 4; c++) {
      assertThat(counts[c]).isBetween(exactTimesTen[c] / 10, exactTimesTen[c] / 10 + 1);
    }
  }

  @Test
  void partsAreDisjointAndCoverTheData() {
    ImageDataset data = unbalanced();
    StratifiedSplit split = StratifiedSplit.byCount(data, 250, 3);

    int[] all =
        IntStream.concat(
                Arrays.stream(split.trainIndices()), Arrays.stream(split.validationIndices()))
            .sorted()
            .toArray();
    assertThat(all).isEqualTo(IntStream.range(0, data.size()).toArray());
    assertThat(split.validationIndices()).hasSize(250);
    int[] labels = data.labels();
    int[] validationLabels = Arrays.stream(split.validationIndices()).map(i -> labels[i]).toArray();
    assertThat(split.validation().labels()).isEqualTo(validationLabels);
  }

  @Test
  void sameSeedSameSplitOtherSeedOtherSplit() {
    ImageDataset data = unbalanced();

    int[] first = StratifiedSplit.byFraction(data, 0.2, 42).validationIndices();
    int[] again = StratifiedSplit.byFraction(data, 0.2, 42).validationIndices();
    int[] other = StratifiedSplit.byFraction(data, 0.2, 43).validationIndices();

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void fractionOutsideTheOpenUnitIntervalIsRejected() {
    for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> StratifiedSplit.byFraction(unbalanced(), bad, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("validationFraction")
          .hasMessageContaining("(0, 1)");
    }
  }

  @Test
  void fractionThatEmptiesAClassOfTrainingImagesIsRejected() {
    // Class b has a single image: a 0.9 share of it rounds to the whole class.
    ImageDataset data =
        new ImageDataset(
            "s",
            new byte[11],
            new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
            1,
            1,
            1,
            List.of("a", "b"));

    assertThatThrownBy(() -> StratifiedSplit.byFraction(data, 0.9, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validationFraction 0.9")
        .hasMessageContaining("class 1 ('b'")
        .hasMessageContaining("(0, 1)");
  }

  @Test
  void fractionTooSmallForAnyValidationImageIsRejected() {
    assertThatThrownBy(() -> StratifiedSplit.byFraction(unbalanced(), 0.0001, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validationFraction")
        .hasMessageContaining("no validation images");
  }

  @Test
  void countOutOfRangeIsRejected() {
    assertThatThrownBy(() -> StratifiedSplit.byCount(unbalanced(), 1_000, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validationCount must be in 1..999");
  }

  @Property(tries = 200)
  void apportionmentSumsExactlyAndStaysWithinOneOfTheShare(
      @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 500) Integer> sizes,
      @ForAll @IntRange(min = 0, max = 10_000) int seats) {
    int[] classSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
    int sum = Arrays.stream(classSizes).sum();
    if (sum == 0) {
      return;
    }
    int total = seats % (sum + 1);

    int[] quota = StratifiedSplit.apportion(classSizes, total, sum);

    assertThat(Arrays.stream(quota).sum()).isEqualTo(total);
    for (int c = 0; c < classSizes.length; c++) {
      double share = (double) total * classSizes[c] / sum;
      assertThat((double) quota[c]).isBetween(Math.floor(share), Math.ceil(share));
      assertThat(quota[c]).isLessThanOrEqualTo(classSizes[c]);
    }
  }
}
