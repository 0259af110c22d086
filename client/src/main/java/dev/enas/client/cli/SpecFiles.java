package dev.enas.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import dev.enas.proto.v1.SearchSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a search spec from a file in the proto's canonical JSON mapping of {@code
 * enas.v1.SearchSpec} ({@code .json}), or from HOCON (any other name), which is turned into that
 * same JSON first: one schema, so a spec written for grpcurl works here and the other way round,
 * while HOCON adds comments, unquoted keys, dotted paths and {@code ${?ENV}} substitutions.
 */
final class SpecFiles {
  private SpecFiles() {}

  /** Why a spec file could not be used, in words that name the file. */
  static final class BadSpecFile extends Exception {
    private static final long serialVersionUID = 1L;

    BadSpecFile(String message) {
      super(message);
    }
  }

  /** The spec in {@code file}. */
  static SearchSpec.Builder read(Path file) throws BadSpecFile {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadSpecFile("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new BadSpecFile("cannot read " + file + ": " + e.getMessage());
    }
    boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    return parse(json ? text : hoconToJson(text, file), file.toString());
  }

  /** A spec shipped with the client, from its canonical JSON. */
  static SearchSpec.Builder resource(String name) {
    try (InputStream in = SpecFiles.class.getResourceAsStream("presets/" + name)) {
      if (in == null) {
        throw new IllegalStateException("preset " + name + " is missing from the client jar");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (BadSpecFile e) {
      throw new IllegalStateException("preset " + name + " does not parse", e);
    }
  }

  private static SearchSpec.Builder parse(String json, String origin) throws BadSpecFile {
    SearchSpec.Builder spec = SearchSpec.newBuilder();
    try {
      JsonFormat.parser().merge(json, spec);
    } catch (InvalidProtocolBufferException e) {
      throw new BadSpecFile(origin + " is not an enas.v1.SearchSpec: " + e.getMessage());
    }
    return spec;
  }

  private static String hoconToJson(String text, Path file) throws BadSpecFile {
    try {
      return ConfigFactory.parseString(
              text,
              ConfigParseOptions.defaults()
                  .setSyntax(ConfigSyntax.CONF)
                  .setOriginDescription(file.toString()))
          .resolve()
          .root()
          .render(ConfigRenderOptions.concise());
    } catch (ConfigException e) {
      throw new BadSpecFile(e.getMessage());
    }
  }
}
