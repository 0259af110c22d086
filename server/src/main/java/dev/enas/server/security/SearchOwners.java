package dev.enas.server.security;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who created each search, so that an operator acts only on its own. Kept beside the journal rather
 * than in it, in a small properties file rewritten whole (through a temporary file and a rename) on
 * every create, so owners survive a restart. A search without an entry predates tokens and only an
 * admin manages it.
 */
public final class SearchOwners {
  private final Path file;
  private final Map<String, String> owners = new ConcurrentHashMap<>();

  private SearchOwners(Path file) {
    this.file = file;
  }

  /** Owners kept in memory only, for tests and servers without a data folder. */
  public static SearchOwners inMemory() {
    return new SearchOwners(null);
  }

  /** Owners kept in {@code file}, read now if it exists. */
  public static SearchOwners open(Path file) throws IOException {
    SearchOwners owners = new SearchOwners(file);
    if (Files.exists(file)) {
      Properties properties = new Properties();
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(in);
      }
      properties.forEach((id, owner) -> owners.owners.put((String) id, (String) owner));
    }
    return owners;
  }

  /** The owner of a search, or empty for one created without a token. */
  public Optional<String> ownerOf(String searchId) {
    return Optional.ofNullable(owners.get(searchId)).filter(owner -> !owner.isEmpty());
  }

  /** Records a new search's owner and writes the file. */
  public synchronized void record(String searchId, String owner) {
    owners.put(searchId, owner);
    if (file == null) {
      return;
    }
    Properties properties = new Properties();
    properties.putAll(owners);
    try {
      Files.createDirectories(file.getParent());
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
        properties.store(out, "search id = owner (the name of the token that created it)");
      }
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
