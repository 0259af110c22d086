package dev.enas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.enas.train.SearchSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bytes that are not a whole, unchanged snapshot of a known format are rejected with a message that
 * says what is wrong, before anything is decoded; values of classes the codec does not register are
 * refused on the way in and on the way out.
 */
class SnapshotCodecTest {
  private static final int HEADER = 24;
  private static byte[] valid;

  @BeforeAll
  static void readAValidSnapshot() throws IOException {
    valid = GoldenSnapshotTest.read("macro-controller-training-v1.snap");
    assertThat(SnapshotCodec.decode(valid).space()).isEqualTo("macro");
  }

  @Test
  void everyTruncationIsRejectedAsTruncated() {
    for (int length :
        new int[] {0, 7, HEADER - 1, HEADER, HEADER + 1, valid.length / 2, valid.length - 1}) {
      byte[] cut = Arrays.copyOf(valid, length);
      assertThatThrownBy(() -> SnapshotCodec.decode(cut))
          .as("cut at %d", length)
          .isInstanceOf(SnapshotFormatException.class)
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void aChangedPayloadByteFailsTheChecksum() {
    for (int at : new int[] {HEADER, HEADER + 100, valid.length / 2, valid.length - 1}) {
      byte[] corrupt = valid.clone();
      corrupt[at] ^= 0x10;
      assertThatThrownBy(() -> SnapshotCodec.decode(corrupt))
          .as("byte %d changed", at)
          .isInstanceOf(SnapshotFormatException.class)
          .hasMessageContaining("corrupt snapshot")
          .hasMessageContaining("CRC32");
    }
  }

  @Test
  void extraBytesAfterThePayloadAreRejected() {
    byte[] longer = Arrays.copyOf(valid, valid.length + 3);
    assertThatThrownBy(() -> SnapshotCodec.decode(longer))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("extended");
  }

  @Test
  void anotherFilesHeaderIsNotTakenForASnapshot() {
    byte[] other = valid.clone();
    System.arraycopy("PK\u0003\u0004zip!".getBytes(StandardCharsets.ISO_8859_1), 0, other, 0, 8);
    assertThatThrownBy(() -> SnapshotCodec.decode(other))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("not a search snapshot");
  }

  @Test
  void anUnknownFormatVersionIsNamed() {
    byte[] future = valid.clone();
    ByteBuffer.wrap(future).putInt(8, SnapshotCodec.FORMAT_VERSION + 1);
    assertThatThrownBy(() -> SnapshotCodec.decode(future))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("format version " + (SnapshotCodec.FORMAT_VERSION + 1))
        .hasMessageContaining("reads 1 to " + SnapshotCodec.FORMAT_VERSION);
  }

  @Test
  void aWellFramedPayloadThatDoesNotDecodeIsRejected() {
    byte[] payload = Arrays.copyOfRange(valid, HEADER, HEADER + 40);
    assertThatThrownBy(() -> SnapshotCodec.decode(framed(payload)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("unreadable snapshot payload");
  }

  @Test
  void anUnregisteredClassIsRefusedWhenWriting() {
    record Foreign(String name) {}
    assertThatThrownBy(() -> SnapshotCodec.encodeObject(new Foreign("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not registered")
        .hasMessageContaining("Foreign");
    assertThatThrownBy(() -> SnapshotCodec.encodeObject(new ArrayList<>(List.of(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.util.ArrayList");
  }

  @Test
  void anUnregisteredClassIdIsRefusedWhenReading() {
    // A payload another writer made, with a class under an id this codec never registered.
    Kryo other = new Kryo();
    other.register(StringBuilder.class, 150);
    byte[] payload;
    try (Output out = new Output(256, -1)) {
      other.writeClassAndObject(out, new StringBuilder("not a snapshot"));
      payload = out.toBytes();
    }
    assertThatThrownBy(() -> SnapshotCodec.decode(framed(payload)))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("unregistered class ID: 150");
  }

  @Test
  void aRegisteredValueThatIsNotASnapshotIsRejected() {
    byte[] bytes = SnapshotCodec.encodeObject(new SearchSnapshot.EpochFigures(1, 1, 0, 0, null, 0));
    assertThatThrownBy(() -> SnapshotCodec.decode(bytes))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("EpochFigures");
  }

  /** {@code payload} behind a correct version-1 header with its checksum. */
  private static byte[] framed(byte[] payload) {
    CRC32 crc = new CRC32();
    crc.update(payload);
    return ByteBuffer.allocate(HEADER + payload.length)
        .put("ENASSNAP".getBytes(StandardCharsets.US_ASCII))
        .putInt(1)
        .putInt(payload.length)
        .putLong(crc.getValue())
        .put(payload)
        .array();
  }
}
