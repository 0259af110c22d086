package dev.enas.data;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A data-set folder that {@link DataRoots#folder} resolved, with the files inside it checked one by
 * one: a file that is a symbolic link out of the root is refused like the folder would be.
 *
 * @param name the folder as the reference names it, relative to its root
 * @param root the real path of the root holding it; null when unconfined
 * @param dir the folder's real path (the given path when unconfined)
 */
public record DataFolder(String name, Path root, Path dir) {

  /** Whether this folder was confined to a root. */
  public boolean confined() {
    return root != null;
  }

  /**
   * A file of the folder, or null when no regular file of that name is there.
   *
   * @throws DataAccessException when the file is a link that leads out of the root
   */
  public Path file(String fileName) {
    Path path = dir.resolve(fileName);
    if (!Files.isRegularFile(path)) {
      return null;
    }
    if (confined()) {
      try {
        if (!path.toRealPath().startsWith(root)) {
          throw new DataAccessException("'" + shown(fileName) + "' leads outside the data roots");
        }
      } catch (IOException e) {
        throw new DataAccessException("'" + shown(fileName) + "' cannot be read");
      }
    }
    return path;
  }

  /** The first of the names that is a file here. */
  public Path firstFile(String... fileNames) {
    for (String fileName : fileNames) {
      Path path = file(fileName);
      if (path != null) {
        return path;
      }
    }
    return null;
  }

  /** A required file; missing, it fails naming the file (and the alternatives) by relative name. */
  public Path required(String... fileNames) throws NoSuchFileException {
    Path path = firstFile(fileNames);
    if (path == null) {
      StringBuilder names = new StringBuilder();
      for (String fileName : fileNames) {
        names.append(names.length() == 0 ? "" : " or ").append(shown(fileName));
      }
      throw new NoSuchFileException(names.toString(), null, "not found");
    }
    return path;
  }

  /** How a caller sees a file of this folder: relative to the root. */
  public String shown(String fileName) {
    return confined() ? name + "/" + fileName : dir.resolve(fileName).toString();
  }

  /**
   * A reader's message with this folder's server paths replaced by names relative to the root;
   * unchanged when unconfined.
   */
  public String redact(String message) {
    if (!confined() || message == null) {
      return message;
    }
    return message
        .replace(dir.toString(), name)
        .replace(root.toString() + File.separator, "")
        .replace(root.toString(), ".");
  }
}
