package dev.enas.server.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void aTensorSaysItsTypeAndGivesReadOnlyViewsOfItsOwnKindOnly() {
    float[] pixels = {1, 2, 3, 4, 5, 6};
    Tensor floats = Tensor.ofFloats(new long[] {2, 3}, FloatBuffer.wrap(pixels));
    Tensor longs = Tensor.ofLongs(new long[] {2}, LongBuffer.wrap(new long[] {7, 8}));

    assertThat(floats.datatype()).isEqualTo(TensorSpec.FP32);
    assertThat(floats.isFloats()).isTrue();
    assertThat(longs.datatype()).isEqualTo(TensorSpec.INT64);
    assertThat(longs.isFloats()).isFalse();
    assertThat(floats.floats().isReadOnly()).isTrue();
    assertThat(floats.floats().get(5)).isEqualTo(6f);
    assertThat(longs.longs().get(1)).isEqualTo(8L);
    assertThatThrownBy(floats::longs)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FP32");
    assertThatThrownBy(longs::floats)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("INT64");
  }

  @Test
  void eachViewStartsAtTheBeginningAndTheShapeIsACopy() {
    Tensor floats = Tensor.ofFloats(new long[] {3}, FloatBuffer.wrap(new float[] {1, 2, 3}));
    floats.floats().get(new float[3]);
    assertThat(floats.floats().remaining()).isEqualTo(3);
    floats.shape()[0] = 99;
    assertThat(floats.shape()).containsExactly(3);
  }

  @Test
  void aShapeThatDoesNotHoldTheDataIsRefused() {
    assertThatThrownBy(() -> Tensor.ofLongs(new long[] {2, 2}, LongBuffer.wrap(new long[3])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shape [2, 2] holds 4 elements but the data has 3");
  }
}
