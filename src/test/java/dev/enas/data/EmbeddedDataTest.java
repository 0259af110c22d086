package dev.enas.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
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

  @Test
  void sonnetsAreASmallRealCorpus() {
    TextCorpus sonnets = EmbeddedData.sonnets();
    Vocabulary vocabulary = sonnets.vocabulary();

    for (TextCorpus.Split split : TextCorpus.Split.values()) {
      System.out.printf(
          "sonnets %-10s %6d tokens, %4.1f %% <unk>%n",
          split.label(), sonnets.size(split), 100 * sonnets.unknownRate(split));
    }
    System.out.printf("sonnets vocabulary %d words%n", vocabulary.size());

    assertThat(vocabulary.size()).isBetween(500, 10_000);
    assertThat(sonnets.size(TextCorpus.Split.TRAIN)).isGreaterThan(10_000);
    assertThat(sonnets.size(TextCorpus.Split.VALIDATION)).isGreaterThan(1_000);
    assertThat(sonnets.size(TextCorpus.Split.TEST)).isGreaterThan(1_000);
    assertThat(sonnets.unknownRate(TextCorpus.Split.VALIDATION)).isLessThan(0.20);
    assertThat(sonnets.unknownRate(TextCorpus.Split.TEST)).isLessThan(0.25);
  }

  @Test
  void sonnetsFollowThePtbConventions() {
    TextCorpus sonnets = EmbeddedData.sonnets();
    Vocabulary vocabulary = sonnets.vocabulary();
    int[] train = sonnets.train();

    // Rare words were replaced by <unk> before the files were written, so the training text has no
    // word seen only once: the reader finds exactly the vocabulary the script kept.
    int[] counts = new int[vocabulary.size()];
    for (int id : train) {
      counts[id]++;
    }
    assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThanOrEqualTo(2);
    // Lower case, punctuation gone, every line ended by <eos>.
    assertThat(vocabulary.words())
        .allMatch(word -> word.startsWith("<") || word.matches("[a-z'-]+|N"));
    assertThat(train[train.length - 1]).isEqualTo(vocabulary.eosId());
    assertThat(vocabulary.decode(Arrays.copyOf(train, 9)))
        .isEqualTo("from fairest <unk> we desire increase <eos> that thereby");
    assertThat(EmbeddedData.sonnets()).isEqualTo(sonnets);
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
    // Fashion-MNIST images are roughly half background; all-zero or all-ink data means a broken
    // file.
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
