package dev.enas.proto.inference;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * The raw form of the Open Inference Protocol's tensors ({@code raw_input_contents}, {@code
 * raw_output_contents}): each element's little-endian bytes, row-major. The one place that encodes
 * and decodes it, for the server, the Java client and the benchmarks alike.
 */
public final class RawContents {
  private RawContents() {}

  /** The raw bytes of {@code values}. */
  public static ByteString ofFloats(float[] values) {
    return ofFloats(FloatBuffer.wrap(values));
  }

  /** The raw bytes of the floats from the buffer's position to its limit (the buffer is kept). */
  public static ByteString ofFloats(FloatBuffer values) {
    ByteBuffer bytes =
        ByteBuffer.allocate(values.remaining() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values.duplicate());
    // The array is this method's own and never written again: no second copy.
    return UnsafeByteOperations.unsafeWrap(bytes.array());
  }

  /** The raw bytes of the longs from the buffer's position to its limit (the buffer is kept). */
  public static ByteString ofLongs(LongBuffer values) {
    ByteBuffer bytes =
        ByteBuffer.allocate(values.remaining() * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values.duplicate());
    return UnsafeByteOperations.unsafeWrap(bytes.array());
  }

  /** The floats of raw contents, copied into an array. */
  public static float[] toFloats(ByteString raw) {
    FloatBuffer view = floatView(raw);
    float[] out = new float[view.remaining()];
    view.get(out);
    return out;
  }

  /**
   * A read-only view of raw contents as floats, without a copy; trailing bytes short of a whole
   * element are not part of it (callers check the length against the shape first).
   */
  public static FloatBuffer floatView(ByteString raw) {
    return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
  }

  /** A read-only view of raw contents as 64-bit integers, without a copy. */
  public static LongBuffer longView(ByteString raw) {
    return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
  }
}
