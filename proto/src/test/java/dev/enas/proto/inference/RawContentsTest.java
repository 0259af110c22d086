package dev.enas.proto.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;

class RawContentsTest {

  @Test
  void floatsAreLittleEndianAndReadBack() {
    ByteString raw = RawContents.ofFloats(new float[] {1.0f, -2.5f});
    // 1.0f is 0x3f800000: its least significant byte comes first.
    assertThat(raw.toByteArray()).containsExactly(0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0);
    assertThat(RawContents.toFloats(raw)).containsExactly(1.0f, -2.5f);
    assertThat(RawContents.floatView(raw).isReadOnly()).isTrue();
  }

  @Test
  void longsAreLittleEndianAndReadBack() {
    ByteString raw = RawContents.ofLongs(LongBuffer.wrap(new long[] {258, -1}));
    assertThat(raw.size()).isEqualTo(16);
    assertThat(raw.byteAt(0)).isEqualTo((byte) 2);
    assertThat(raw.byteAt(1)).isEqualTo((byte) 1);
    LongBuffer view = RawContents.longView(raw);
    assertThat(view.get(0)).isEqualTo(258);
    assertThat(view.get(1)).isEqualTo(-1);
  }

  @Test
  void aBufferIsReadFromItsPositionAndLeftWhereItWas() {
    FloatBuffer values = FloatBuffer.wrap(new float[] {9, 1, 2});
    values.position(1);
    assertThat(RawContents.toFloats(RawContents.ofFloats(values))).containsExactly(1f, 2f);
    assertThat(values.position()).isEqualTo(1);
  }
}
