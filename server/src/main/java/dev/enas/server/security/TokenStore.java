package dev.enas.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens, kept as salted hashes in a text file so that the file alone does not let anyone
 * in. One line per token: {@code name role salt hash} (salt and hash in base64; SHA-256 of salt and
 * secret, enough for 256-bit random secrets, which no dictionary holds). A token reads {@code
 * enas.NAME.SECRET}; its name says which line to check, and the comparison takes the same time
 * whatever the bytes. The file is read again when its modification time or size changes, so tokens
 * are added and revoked without a restart. Neither a token nor a hash is ever logged.
 */
public final class TokenStore {
  private static final Logger log = LoggerFactory.getLogger(TokenStore.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final String PREFIX = "enas.";
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Entry(Role role, byte[] salt, byte[] hash) {}

  private record Loaded(FileTime modified, long size, Map<String, Entry> entries) {}

  private final Path file;
  private volatile Loaded loaded;

  private TokenStore(Path file, Loaded loaded) {
    this.file = file;
    this.loaded = loaded;
  }

  /**
   * Opens a token file; a missing file holds no tokens (every call is then refused), so that a
   * server configured for tokens never falls open.
   *
   * @throws IOException if the file exists but cannot be read or has a malformed line
   */
  public static TokenStore open(Path file) throws IOException {
    return new TokenStore(file, read(file));
  }

  /** The file this store reads. */
  public Path file() {
    return file;
  }

  /** Names of the tokens in the file, for listing. */
  public List<String> names() {
    refresh();
    return loaded.entries.keySet().stream().sorted().toList();
  }

  /** The caller a presented token stands for, or empty for an unknown or wrong token. */
  public Optional<Principal> authenticate(String token) {
    refresh();
    if (token == null || !token.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int dot = token.indexOf('.', PREFIX.length());
    if (dot < 0) {
      return Optional.empty();
    }
    String name = token.substring(PREFIX.length(), dot);
    Entry entry = loaded.entries.get(name);
    if (entry == null) {
      return Optional.empty();
    }
    byte[] presented = hash(entry.salt, token.substring(dot + 1));
    return MessageDigest.isEqual(presented, entry.hash)
        ? Optional.of(new Principal(name, entry.role))
        : Optional.empty();
  }

  /**
   * Adds a token to the file (creating it readable by its owner only) and returns the token, which
   * exists nowhere else: the file keeps only its hash.
   *
   * @throws IllegalArgumentException for a malformed or taken name
   */
  public static synchronized String add(Path file, String name, Role role) throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a token name is 1 to 63 characters of [a-z0-9_-],"
              + " starting with a letter or digit; was '"
              + name
              + "'");
    }
    if (read(file).entries.containsKey(name)) {
      throw new IllegalArgumentException("a token named '" + name + "' exists already");
    }
    byte[] secretBytes = new byte[32];
    RANDOM.nextBytes(secretBytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    String line =
        name
            + " "
            + role.label()
            + " "
            + b64.encodeToString(salt)
            + " "
            + b64.encodeToString(hash(salt, secret))
            + "\n";
    if (!Files.exists(file)) {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    }
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    return PREFIX + name + "." + secret;
  }

  private void refresh() {
    try {
      Loaded current = loaded;
      boolean exists = Files.exists(file);
      FileTime modified = exists ? Files.getLastModifiedTime(file) : null;
      long size = exists ? Files.size(file) : -1;
      if (java.util.Objects.equals(modified, current.modified) && size == current.size) {
        return;
      }
      loaded = read(file);
      log.info("token file {} read again: {} tokens", file, loaded.entries.size());
    } catch (IOException | RuntimeException e) {
      // Keep the tokens known to be good; the message names the line, never its content.
      log.warn(
          "token file {} could not be read again, keeping the previous tokens: {}",
          file,
          e.getMessage());
    }
  }

  private static Loaded read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new Loaded(null, -1, Map.of());
    }
    FileTime modified = Files.getLastModifiedTime(file);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, Entry> entries = new HashMap<>();
    Base64.Decoder b64 = Base64.getDecoder();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      try {
        if (fields.length != 4 || !NAME.matcher(fields[0]).matches()) {
          throw new IllegalArgumentException("expected: name role salt hash");
        }
        entries.put(
            fields[0],
            new Entry(Role.parse(fields[1]), b64.decode(fields[2]), b64.decode(fields[3])));
      } catch (IllegalArgumentException e) {
        throw new IOException(
            file + " line " + (i + 1) + " is malformed (expected" + " 'name role salt hash')");
      }
    }
    return new Loaded(modified, Files.size(file), Map.copyOf(entries));
  }

  private static byte[] hash(byte[] salt, String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(salt);
      sha.update(secret.getBytes(StandardCharsets.UTF_8));
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
