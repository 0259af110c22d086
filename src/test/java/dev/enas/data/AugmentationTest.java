package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class AugmentationTest {

  private static final int C = 2;
  private static final int H = 5;
  private static final int W = 7;

  /** Every value distinct and non-zero, so any moved or zeroed value is visible. */
  private static float[] image() {
    float[] image = new float[C * H * W];
    for (int i = 0; i < image.length; i++) {
      image[i] = i + 1;
    }
    return image;
  }

  private static float at(float[] image, int c, int row, int column) {
    return image[(c * H + row) * W + column];
  }

  @Property(tries = 100)
  void translateMovesContentByTheOffsetAndZeroFillsTheRest(
      @ForAll @IntRange(min = -8, max = 8) int down,
      @ForAll @IntRange(min = -8, max = 8) int right) {
    float[] original = image();
    float[] moved = image();

    Augmentation.translate(moved, 0, C, H, W, down, right);

    assertThat(moved).hasSize(original.length);
    for (int c = 0; c < C; c++) {
      for (int row = 0; row < H; row++) {
        for (int column = 0; column < W; column++) {
          int fromRow = row - down;
          int fromColumn = column - right;
          boolean inside = fromRow >= 0 && fromRow < H && fromColumn >= 0 && fromColumn < W;
          float expected = inside ? at(original, c, fromRow, fromColumn) : 0f;
          assertThat(at(moved, c, row, column)).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void randomCropIsATranslationWithinThePadding() {
    Augmentation crop = new Augmentation(2, false, 0);
    Set<String> offsets = new HashSet<>();
    for (long seed = 0; seed < 30; seed++) {
      float[] cropped = image();
      crop.apply(cropped, 0, C, H, W, new SplittableRandom(seed));

      // Exactly one translation with |offset| <= padding must explain the result.
      String explainedBy = null;
      for (int down = -2; down <= 2; down++) {
        for (int right = -2; right <= 2; right++) {
          float[] candidate = image();
          Augmentation.translate(candidate, 0, C, H, W, down, right);
          if (Arrays.equals(candidate, cropped)) {
            assertThat(explainedBy).isNull();
            explainedBy = down + "," + right;
          }
        }
      }
      assertThat(explainedBy).as("seed %d", seed).isNotNull();
      offsets.add(explainedBy);
    }
    assertThat(offsets.size()).isGreaterThan(5);
  }

  @Test
  void flipTwiceIsIdentityAndOnceMirrors() {
    float[] image = image();

    Augmentation.flipHorizontal(image, 0, C, H, W);
    assertThat(at(image, 1, 3, 0)).isEqualTo(at(image(), 1, 3, W - 1));
    assertThat(image).isNotEqualTo(image());

    Augmentation.flipHorizontal(image, 0, C, H, W);
    assertThat(image).isEqualTo(image());
  }

  @Test
  void cutoutZeroesExactlyTheClippedSquareInEveryChannel() {
    float[] image = image();

    // Size 4 centred at (0, 5): rows -2..1 clip to 0..1, columns 3..6 stay inside the 7 columns.
    Augmentation.cutout(image, 0, C, H, W, 0, 5, 4);

    for (int c = 0; c < C; c++) {
      for (int row = 0; row < H; row++) {
        for (int column = 0; column < W; column++) {
          boolean inSquare = row <= 1 && column >= 3;
          assertThat(at(image, c, row, column) == 0f).isEqualTo(inSquare);
        }
      }
    }
  }

  @Test
  void operatesOnlyOnTheImageAtTheOffset() {
    float[] two = new float[2 * C * H * W];
    Arrays.fill(two, 5f);

    Augmentation.cutout(two, C * H * W, C, H, W, 2, 3, 100);

    assertThat(Arrays.copyOfRange(two, 0, C * H * W)).containsOnly(5f);
    assertThat(Arrays.copyOfRange(two, C * H * W, two.length)).containsOnly(0f);
  }

  @Test
  void sameSeedSameResultAndTheRandomStepsDoVary() {
    Augmentation all = new Augmentation(2, true, 3);
    float[] first = image();
    float[] again = image();
    all.apply(first, 0, C, H, W, new SplittableRandom(99));
    all.apply(again, 0, C, H, W, new SplittableRandom(99));
    assertThat(again).isEqualTo(first);

    Set<String> outcomes = new HashSet<>();
    SplittableRandom random = new SplittableRandom(99);
    for (int i = 0; i < 50; i++) {
      float[] image = image();
      all.apply(image, 0, C, H, W, random);
      outcomes.add(Arrays.toString(image));
    }
    assertThat(outcomes.size()).isGreaterThan(10);
  }

  @Test
  void noneLeavesTheImageAlone() {
    float[] image = image();

    Augmentation.none().apply(image, 0, C, H, W, new SplittableRandom(1));

    assertThat(image).isEqualTo(image());
  }
}
