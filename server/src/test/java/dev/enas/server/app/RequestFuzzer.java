package dev.enas.server.app;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Random;

/**
 * Request bodies for the fuzz test, from one seeded {@link Random}: messages of any type built from
 * its descriptor with boundary and random values, oversized strings and long repeated fields, valid
 * requests with a few fields changed, and random or damaged bytes. The same seed gives the same
 * sequence of bodies, so a failure replays.
 */
final class RequestFuzzer {
  /** Strings a field might be checked against: paths, names of real things, odd characters. */
  private final List<String> interesting;

  private final Random random;

  RequestFuzzer(long seed, List<String> interesting) {
    this.random = new Random(seed);
    this.interesting = List.copyOf(interesting);
  }

  Random random() {
    return random;
  }

  /**
   * A message of {@code type} with a random choice of its fields set, nested {@code depth} deep.
   */
  Message message(Descriptor type, int depth) {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    for (FieldDescriptor field : type.getFields()) {
      if (random.nextInt(3) == 0) {
        continue;
      }
      set(builder, field, depth);
    }
    return builder.build();
  }

  /**
   * {@code template} with one to three of its fields, at any depth, replaced by a random value:
   * requests that pass most checks and fail, or not, on one.
   */
  Message mutate(Message template) {
    Message current = template;
    int changes = 1 + random.nextInt(3);
    for (int i = 0; i < changes; i++) {
      current = mutateOnce(current, 0);
    }
    return current;
  }

  private Message mutateOnce(Message message, int depth) {
    List<FieldDescriptor> fields = message.getDescriptorForType().getFields();
    if (fields.isEmpty()) {
      return message;
    }
    FieldDescriptor field = fields.get(random.nextInt(fields.size()));
    Message.Builder builder = message.toBuilder();
    boolean descend =
        field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
            && !field.isRepeated()
            && message.hasField(field)
            && depth < 4
            && random.nextBoolean();
    if (descend) {
      builder.setField(field, mutateOnce((Message) message.getField(field), depth + 1));
    } else {
      builder.clearField(field);
      if (random.nextInt(5) != 0) {
        set(builder, field, 2);
      }
    }
    return builder.build();
  }

  private void set(Message.Builder builder, FieldDescriptor field, int depth) {
    if (field.isRepeated()) {
      int count =
          switch (random.nextInt(10)) {
            case 0 -> 0;
            // Long repeated fields: many small elements, under and over the message size limit.
            case 1 -> field.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? 2_000 : 200_000;
            default -> 1 + random.nextInt(4);
          };
      for (int i = 0; i < count; i++) {
        Object value = count > 10 ? small(field) : value(builder, field, depth);
        if (value != null) {
          builder.addRepeatedField(field, value);
        }
      }
    } else {
      Object value = value(builder, field, depth);
      if (value != null) {
        builder.setField(field, value);
      }
    }
  }

  private Object value(Message.Builder builder, FieldDescriptor field, int depth) {
    return switch (field.getJavaType()) {
      case INT ->
          pick(
              new int[] {
                0,
                1,
                -1,
                2,
                3,
                Integer.MAX_VALUE,
                Integer.MIN_VALUE,
                random.nextInt(),
                random.nextInt(100)
              });
      case LONG ->
          pickLong(
              new long[] {
                0,
                1,
                -1,
                2,
                Long.MAX_VALUE,
                Long.MIN_VALUE,
                Integer.MAX_VALUE + 1L,
                random.nextLong(),
                random.nextInt(1_000)
              });
      case FLOAT -> (float) doubleValue();
      case DOUBLE -> doubleValue();
      case BOOLEAN -> random.nextBoolean();
      case STRING -> string();
      case BYTE_STRING -> ByteString.copyFrom(bytes(sizes()));
      case ENUM -> enumValue(field.getEnumType());
      case MESSAGE ->
          depth <= 0
              ? null
              : message(builder.newBuilderForField(field).getDescriptorForType(), depth - 1);
    };
  }

  /** A short value, for the elements of a long repeated field (null for a message). */
  private Object small(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case STRING -> interesting.get(random.nextInt(interesting.size()));
      case BYTE_STRING -> ByteString.copyFrom(bytes(random.nextInt(8)));
      case MESSAGE -> null;
      default -> value(null, field, 0);
    };
  }

  private double doubleValue() {
    double[] values = {
      0,
      1,
      -1,
      0.5,
      1e-300,
      -1e300,
      Double.MAX_VALUE,
      Double.MIN_VALUE,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      random.nextGaussian()
    };
    return values[random.nextInt(values.length)];
  }

  private Object enumValue(EnumDescriptor type) {
    if (random.nextInt(4) == 0) {
      // proto3 enums are open: a number the schema does not know travels as it is.
      return type.findValueByNumberCreatingIfUnknown(
          random.nextBoolean() ? 1_000 + random.nextInt(1_000) : -1);
    }
    return type.getValues().get(random.nextInt(type.getValues().size()));
  }

  private String string() {
    return switch (random.nextInt(40)) {
      case 0, 1, 2, 3 -> "";
      // Oversized: 64 KiB to 2 MiB of one character, or more than the 4 MiB message limit.
      case 4 -> "x".repeat(random.nextInt(8) == 0 ? 4_300_000 : 65_536 << random.nextInt(6));
      case 5, 6, 7, 8, 9, 10 -> randomText(1 + random.nextInt(64));
      default -> interesting.get(random.nextInt(interesting.size()));
    };
  }

  private String randomText(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int c = random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f);
      text.appendCodePoint(Character.isSurrogate((char) c) ? '?' : c);
    }
    return text.toString();
  }

  private int sizes() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 1 << random.nextInt(random.nextInt(8) == 0 ? 23 : 17);
      default -> random.nextInt(256);
    };
  }

  /** Random bytes as a message body: small, medium, or over the 4 MiB inbound limit. */
  byte[] randomBody() {
    int length =
        switch (random.nextInt(10)) {
          case 0 -> 0;
          case 1 -> 4_200_000 + random.nextInt(100_000);
          case 2, 3 -> random.nextInt(65_536);
          default -> random.nextInt(512);
        };
    return bytes(length);
  }

  /** {@code body} with a few bytes flipped, cut short, or both: damaged in transit, or crafted. */
  byte[] damage(byte[] body) {
    byte[] out = body.clone();
    if (out.length > 0) {
      for (int i = 1 + random.nextInt(4); i > 0; i--) {
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      }
      if (random.nextBoolean()) {
        out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
      }
    }
    return out;
  }

  private byte[] bytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private int pick(int[] values) {
    return values[random.nextInt(values.length)];
  }

  private long pickLong(long[] values) {
    return values[random.nextInt(values.length)];
  }
}
