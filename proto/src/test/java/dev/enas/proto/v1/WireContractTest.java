package dev.enas.proto.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Field numbers, enum values and RPC signatures are what old clients depend on; the golden file
 * wire-contract.txt records them so that a renumbered, retyped or removed field fails the build
 * instead of silently breaking clients in other languages.
 */
class WireContractTest {

  @Test
  void nothingRecordedWasRemovedOrChanged() throws IOException {
    Set<String> current = describe();
    Set<String> golden = golden();

    List<String> missing = new ArrayList<>(golden);
    missing.removeAll(current);
    assertThat(missing)
        .as(
            "breaking wire changes: these recorded entries no longer exist as recorded. Restore"
                + " them; a field that must go leaves a `reserved` line and stays in the golden file")
        .isEmpty();
  }

  @Test
  void everythingNewIsRecorded() throws IOException {
    List<String> added = new ArrayList<>(describe());
    added.removeAll(golden());
    assertThat(added)
        .as("new wire entries: append them to proto/src/test/resources/wire-contract.txt")
        .isEmpty();
  }

  private static Set<String> golden() throws IOException {
    try (InputStream in = WireContractTest.class.getResourceAsStream("/wire-contract.txt")) {
      assertThat(in).as("wire-contract.txt on the test class path").isNotNull();
      Set<String> lines = new LinkedHashSet<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String trimmed = line.strip();
        if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
          lines.add(trimmed);
        }
      }
      return lines;
    }
  }

  private static Set<String> describe() {
    Set<String> out = new LinkedHashSet<>();
    for (FileDescriptor file :
        List.of(
            ArchitectureProto.getDescriptor(),
            SearchProto.getDescriptor(),
            dev.enas.proto.inference.GrpcServiceProto.getDescriptor())) {
      for (EnumDescriptor e : file.getEnumTypes()) {
        describe(e, out);
      }
      for (Descriptor m : file.getMessageTypes()) {
        describe(m, out);
      }
      for (ServiceDescriptor s : file.getServices()) {
        for (MethodDescriptor m : s.getMethods()) {
          out.add(
              "rpc "
                  + s.getFullName()
                  + "."
                  + m.getName()
                  + "("
                  + (m.isClientStreaming() ? "stream " : "")
                  + m.getInputType().getFullName()
                  + ") returns ("
                  + (m.isServerStreaming() ? "stream " : "")
                  + m.getOutputType().getFullName()
                  + ")");
        }
      }
    }
    return out;
  }

  private static void describe(Descriptor message, Set<String> out) {
    for (FieldDescriptor f : message.getFields()) {
      String type =
          switch (f.getJavaType()) {
            case MESSAGE -> f.getMessageType().getFullName();
            case ENUM -> f.getEnumType().getFullName();
            default -> f.getType().name().toLowerCase(java.util.Locale.ROOT);
          };
      boolean inOneof = f.getRealContainingOneof() != null;
      // Presence of a scalar is part of the contract: proto3 `optional` is a synthetic oneof.
      boolean optionalScalar =
          f.hasPresence() && !inOneof && f.getJavaType() != FieldDescriptor.JavaType.MESSAGE;
      String label = f.isRepeated() ? "repeated " : optionalScalar ? "optional " : "";
      String oneof = inOneof ? " oneof " + f.getRealContainingOneof().getName() : "";
      out.add(
          "field "
              + message.getFullName()
              + "."
              + f.getName()
              + " = "
              + f.getNumber()
              + " "
              + label
              + type
              + oneof);
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      describe(e, out);
    }
    for (Descriptor nested : message.getNestedTypes()) {
      describe(nested, out);
    }
  }

  private static void describe(EnumDescriptor e, Set<String> out) {
    for (EnumValueDescriptor v : e.getValues()) {
      out.add("enum " + e.getFullName() + "." + v.getName() + " = " + v.getNumber());
    }
  }
}
