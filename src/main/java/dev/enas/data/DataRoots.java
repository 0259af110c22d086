package dev.enas.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The folders a caller may read data from. A server reads data for people who should not be able to
 * read its other files, so a data-set reference names a folder relative to one of these roots
 * ({@code idx:mnist}, {@code ptb:corpora/ptb}): absolute paths, {@code ..}, and symbolic links
 * whose target lies outside the root are refused, and every message speaks of files by their name
 * relative to the root, never by an absolute server path, and never lists a folder's content.
 *
 * <p>{@link #unconfined()} keeps the library's own behaviour for trusted local callers (benchmarks,
 * the in-process demo): a reference is then a path of the local file system.
 */
public final class DataRoots {
  /** Longest relative name accepted. */
  public static final int MAX_NAME_LENGTH = 255;

  /** One path segment: no separators, no leading dot (so no "." or ".." and no hidden files). */
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

  /** Most entries {@link #list} reports, so a root with many folders cannot swell an answer. */
  public static final int MAX_LISTED = 500;

  private final List<Path> roots;
  private final boolean confined;

  private DataRoots(List<Path> roots, boolean confined) {
    this.roots = roots;
    this.confined = confined;
  }

  /**
   * Data confined to these folders, searched in order (the first root that holds a name wins).
   * Roots need not exist yet; a missing root holds nothing.
   */
  public static DataRoots of(List<Path> roots) {
    List<Path> absolute = new ArrayList<>();
    for (Path root : roots) {
      absolute.add(Objects.requireNonNull(root, "root").toAbsolutePath().normalize());
    }
    return new DataRoots(List.copyOf(absolute), true);
  }

  /** No roots: only the embedded data sets may be named. */
  public static DataRoots none() {
    return new DataRoots(List.of(), true);
  }

  /** Any path of the local file system, as the library reads it; never for a server. */
  public static DataRoots unconfined() {
    return new DataRoots(List.of(), false);
  }

  /** The roots, absolute, in search order. */
  public List<Path> roots() {
    return roots;
  }

  /** Whether references are confined to the roots (false only for {@link #unconfined()}). */
  public boolean confined() {
    return confined;
  }

  /**
   * The folder a reference's name points at ({@code mnist} of {@code idx:mnist}).
   *
   * @throws DataAccessException when the name is not a relative name, is in no root, leaves its
   *     root through a symbolic link, or names a file rather than a folder; the message names the
   *     problem without any server path
   */
  public DataFolder folder(String name) {
    if (!confined) {
      return new DataFolder(name, null, Path.of(name));
    }
    checkName(name);
    for (Path root : roots) {
      Path candidate = root.resolve(name);
      if (!Files.exists(candidate)) {
        continue;
      }
      Path real;
      Path realRoot;
      try {
        realRoot = root.toRealPath();
        real = candidate.toRealPath();
      } catch (IOException e) {
        throw new DataAccessException("'" + name + "' cannot be read");
      }
      if (!real.startsWith(realRoot)) {
        throw new DataAccessException("'" + name + "' leads outside the data roots");
      }
      if (!Files.isDirectory(real)) {
        throw new DataAccessException("'" + name + "' is a file; expected a folder of data files");
      }
      return new DataFolder(name, realRoot, real);
    }
    throw new DataAccessException(
        "no data set folder '"
            + name
            + "' in the data roots"
            + " (ListDatasets shows what may be named)");
  }

  private static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new DataAccessException("must name a folder inside the data roots, e.g. 'idx:mnist'");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new DataAccessException(
          "the folder name must be at most " + MAX_NAME_LENGTH + " characters");
    }
    if (name.startsWith("/")
        || name.startsWith("\\")
        || name.startsWith("~")
        || (name.length() > 1 && name.charAt(1) == ':')) {
      throw new DataAccessException(
          "must be a folder name relative to the data roots," + " not an absolute path");
    }
    for (String segment : name.split("/", -1)) {
      if (segment.equals("..")) {
        throw new DataAccessException("must stay inside the data roots: '..' is not allowed");
      }
      if (!SEGMENT.matcher(segment).matches()) {
        throw new DataAccessException(
            "folder names are segments of letters, digits, '.', '_'"
                + " and '-' separated by '/', not starting with '.'");
      }
    }
  }

  /**
   * The data sets the roots hold, as references a spec may name: each folder directly inside a root
   * (and one level further) whose files make an IDX, CIFAR-10 or Penn-Treebank data set, sorted, at
   * most {@link #MAX_LISTED}; folders that lead outside their root are left out. Empty when
   * unconfined.
   */
  public List<Listed> list() {
    List<Listed> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Path root : roots) {
      Path realRoot;
      try {
        realRoot = root.toRealPath();
      } catch (IOException e) {
        continue;
      }
      collect(realRoot, realRoot, "", 2, out, seen);
    }
    out.sort(java.util.Comparator.comparing(Listed::reference));
    return out.size() > MAX_LISTED ? List.copyOf(out.subList(0, MAX_LISTED)) : List.copyOf(out);
  }

  private static void collect(
      Path realRoot,
      Path dir,
      String prefix,
      int depth,
      List<Listed> out,
      java.util.Set<String> seen) {
    if (depth == 0 || out.size() >= MAX_LISTED * 2) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = String.valueOf(entry.getFileName());
        if (!SEGMENT.matcher(name).matches()) {
          continue;
        }
        Path real;
        try {
          real = entry.toRealPath();
        } catch (IOException e) {
          continue;
        }
        if (!real.startsWith(realRoot) || !Files.isDirectory(real)) {
          continue;
        }
        String relative = prefix + name;
        for (Kind kind : Kind.values()) {
          if (kind.matches(real) && seen.add(kind.scheme + relative)) {
            out.add(new Listed(kind.scheme + relative, kind));
          }
        }
        collect(realRoot, real, relative + "/", depth - 1, out, seen);
      }
    } catch (IOException e) {
      // An unreadable folder holds nothing a caller could name.
    }
  }

  /** A data set a caller may name, and its kind. */
  public record Listed(String reference, Kind kind) {}

  /** The folder formats a reference can name, by their scheme. */
  public enum Kind {
    IDX("idx:", false, "train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"),
    CIFAR10("cifar10:", false, "data_batch_1.bin"),
    PTB("ptb:", true, "train.txt", "ptb.train.txt");

    private final String scheme;
    private final boolean text;
    private final List<String> markers;

    Kind(String scheme, boolean text, String... markers) {
      this.scheme = scheme;
      this.text = text;
      this.markers = List.of(markers);
    }

    /** The reference prefix, e.g. {@code idx:}. */
    public String scheme() {
      return scheme;
    }

    /** A text corpus (the rnn space) rather than images. */
    public boolean text() {
      return text;
    }

    boolean matches(Path dir) {
      for (String marker : markers) {
        if (Files.isRegularFile(dir.resolve(marker), LinkOption.NOFOLLOW_LINKS)) {
          return true;
        }
      }
      return false;
    }
  }
}
