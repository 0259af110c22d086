package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedDataTest {

  @Test
  void trainSetHas600ImagesPerClass() {
    ImageDataset train = EmbeddedData.fashionMnistTrain();

    assertShape(train, 6_000);
    assertThat(train.classCounts()).containsOnly(600);
    assertThat(train.classNames()).containsExactlyElementsOf(EmbeddedData.FASHION_MNIST_CLASSES);
  }

  @Test
  void testSetHas100ImagesPerClass() {
    ImageDataset test = EmbeddedData.fashionMnistTest();

    assertShape(test, 1_000);
    assertThat(test.classCounts()).containsOnly(100);
  }

  @Test
  void classesAreInterleavedSoAPrefixHoldsEveryClass() {
    ImageDataset train = EmbeddedData.fashionMnistTrain();

    assertThat(train.subset(range(200)).classCounts()).doesNotContain(0);
  }

  private static void assertShape(ImageDataset data, int size) {
    assertThat(data.size()).isEqualTo(size);
    assertThat(data.channels()).isEqualTo(1);
    assertThat(data.height()).isEqualTo(28);
    assertThat(data.width()).isEqualTo(28);
    assertThat(data.numClasses()).isEqualTo(10);
    byte[] pixels = data.pixels();
    int nonZero = 0;
    for (byte p : pixels) {
      if (p != 0) {
        nonZero++;
      }
    }
    // Fashion-MNIST images are roughly half background; all-zero or all-ink data means a broken file.
    assertThat(nonZero).isBetween(pixels.length / 5, pixels.length * 4 / 5);
  }

  private static int[] range(int n) {
    int[] indices = new int[n];
    for (int i = 0; i < n; i++) {
      indices[i] = i;
    }
    return indices;
  }
}
