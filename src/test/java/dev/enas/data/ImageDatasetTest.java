package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {

  private static final List<String> CLASSES = List.of("x", "y");

  private static ImageDataset twoByTwo() {
    byte[] pixels = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 200};
    return new ImageDataset("d", pixels, new int[] {0, 1, 1}, 1, 2, 2, CLASSES);
  }

  @Test
  void accessorsCannotChangeTheDataset() {
    byte[] pixels = {1, 2, 3, 4};
    int[] labels = {1};
    ImageDataset data = new ImageDataset("d", pixels, labels, 1, 2, 2, CLASSES);

    pixels[0] = 99;
    labels[0] = 0;
    data.pixels()[1] = 99;
    data.labels()[0] = 0;

    assertThat(data.pixels()).containsExactly(1, 2, 3, 4);
    assertThat(data.labels()).containsExactly(1);
    assertThatThrownBy(() -> data.pixelBuffer().put(0, (byte) 5))
        .isInstanceOf(ReadOnlyBufferException.class);
    assertThatThrownBy(() -> data.classNames().set(0, "z"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void pixelsAreUnsigned() {
    assertThat(twoByTwo().pixel(2, 0, 1, 1)).isEqualTo(200);
  }

  @Test
  void subsetTakesImagesInTheGivenOrder() {
    ImageDataset subset = twoByTwo().subset(new int[] {2, 0, 2});

    assertThat(subset.size()).isEqualTo(3);
    assertThat(subset.labels()).containsExactly(1, 0, 1);
    assertThat(subset.pixels())
        .containsExactly(9, 10, 11, (byte) 200, 1, 2, 3, 4, 9, 10, 11, (byte) 200);
    assertThat(subset.classCounts()).containsExactly(1, 2);
  }

  @Test
  void subsetRejectsIndicesOutsideTheDataset() {
    assertThatThrownBy(() -> twoByTwo().subset(new int[] {0, 3}))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("indices[1] is 3")
        .hasMessageContaining("0..2");
  }

  @Test
  void constructorRejectsInconsistentArrays() {
    assertThatThrownBy(() -> new ImageDataset("d", new byte[5], new int[] {0}, 1, 2, 2, CLASSES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 bytes, got 5");
    assertThatThrownBy(() -> new ImageDataset("d", new byte[4], new int[] {2}, 1, 2, 2, CLASSES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is 2, expected 0..1");
  }
}
