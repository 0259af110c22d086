package dev.enas.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.enas.server.domain.SearchBackendException.InvalidSpec;
import dev.enas.spec.SearchSpec;

/**
 * A spec as the protobuf JSON of the wire {@code enas.v1.SearchSpec}: the form in which an exported
 * model carries the spec that produced it ({@code ModelMetadata.SPEC}), so that a client in any
 * language can read it from the model's metadata and start the same search again with CreateSearch.
 * Every field is written (the resolved spec), so reading it back gives the same spec whatever the
 * defaults of a later build are. Field names are the proto's, as the HTTP API writes them; the
 * parser takes either spelling.
 */
public final class SpecJson {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private SpecJson() {}

  /** The spec as one line of protobuf JSON, every field set. */
  public static String print(SearchSpec spec) {
    try {
      return PRINTER.print(SpecMapper.toWire(spec));
    } catch (InvalidProtocolBufferException e) {
      // The spec message holds no Any and no unknown enum value: it always prints.
      throw new IllegalStateException(e);
    }
  }

  /**
   * The spec that {@code json} (protobuf JSON of {@code enas.v1.SearchSpec}) asks for, resolved and
   * validated as CreateSearch resolves it.
   *
   * @throws IllegalArgumentException if {@code json} is not protobuf JSON of a SearchSpec
   * @throws InvalidSpec if it is, but asks for a spec the engine refuses
   */
  public static SearchSpec parse(String json) {
    dev.enas.proto.v1.SearchSpec.Builder wire = dev.enas.proto.v1.SearchSpec.newBuilder();
    try {
      PARSER.merge(json, wire);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not protobuf JSON of a SearchSpec: " + e.getMessage(), e);
    }
    return SpecMapper.toCore(wire.build());
  }
}
