package dev.enas.server.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this server serves: a folder in Triton's model repository layout,
 *
 * <pre>
 * &lt;repository&gt;/&lt;model&gt;/config.pbtxt
 * &lt;repository&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx
 * &lt;repository&gt;/&lt;model&gt;/&lt;version&gt;/enas-metadata.json   (optional)
 * </pre>
 *
 * <p>where a version is a positive decimal number without leading zeros. The folder is the truth:
 * it is scanned at start, every {@link ServingSettings#scanInterval()} and on {@link #scan()}, so a
 * model file copied in by hand is served, a new version is live without a restart, a replaced file
 * is reloaded and a removed one is unloaded. Finished searches add versions with {@link #publish}.
 *
 * <p>Each version's file is loaded once into one ONNX Runtime session that every request shares. A
 * file ONNX Runtime cannot load makes only that version not ready, with the reason; every other
 * version and model keeps serving. A session closes when its version leaves the folder (or its file
 * changes) and the last request running on it has finished.
 *
 * <p>Owns the sessions and the scanning thread; {@link #close()} ends both.
 */
public final class ModelRepository implements AutoCloseable {
  /** The model file of a version, the name Triton's ONNX Runtime backend looks for. */
  public static final String MODEL_FILE = "model.onnx";

  /** The metadata a version was published with, as a JSON object of strings. */
  public static final String METADATA_FILE = "enas-metadata.json";

  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

  private final ServingSettings settings;
  private final Path root;
  private final SessionLoader loader;
  private final Object scanLock = new Object();
  private final AtomicInteger openSessions = new AtomicInteger();
  private final ScheduledExecutorService scanner;
  private volatile Map<String, ServedModel> models = Map.of();
  private volatile boolean scanned;
  private volatile boolean closed;

  private ModelRepository(ServingSettings settings) {
    this.settings = settings;
    this.root = settings.repository().toAbsolutePath().normalize();
    this.loader = new SessionLoader(settings);
    this.scanner =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "enas-model-scan");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Creates the folder if needed, loads every model in it and starts the periodic scan.
   *
   * @throws IOException if the folder cannot be created
   */
  public static ModelRepository open(ServingSettings settings) throws IOException {
    ModelRepository repository = new ModelRepository(Objects.requireNonNull(settings));
    Files.createDirectories(repository.root);
    repository.scan();
    long every = settings.scanInterval().toMillis();
    if (every > 0) {
      repository.scanner.scheduleWithFixedDelay(
          repository::scanQuietly, every, every, TimeUnit.MILLISECONDS);
    }
    log.info(
        "model repository {}: {} model(s), scanned every {}",
        repository.root,
        repository.models.size(),
        every > 0 ? settings.scanInterval() : "never (on demand only)");
    return repository;
  }

  /** The repository folder. */
  public Path root() {
    return root;
  }

  /** The server's batch limit; a model's config.pbtxt may lower it for that model. */
  public int maxBatch() {
    return settings.maxBatch();
  }

  /** True once the folder has been scanned, until {@link #close()}. */
  public boolean ready() {
    return scanned && !closed;
  }

  /** The names of the models found, sorted. */
  public List<String> modelNames() {
    return List.copyOf(models.keySet());
  }

  /** A model as the last scan or publish left it. */
  public Optional<ServedModel> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /** ONNX Runtime sessions open now, retired ones still finishing a request included. */
  public int openSessions() {
    return openSessions.get();
  }

  /**
   * Brings the served models in step with the folder now: loads new and changed model files,
   * unloads removed ones. Versions whose file is unchanged keep their session. Returns when done.
   */
  public void scan() {
    synchronized (scanLock) {
      if (closed) {
        return;
      }
      List<Path> folders;
      try {
        folders = list(root);
      } catch (IOException e) {
        log.warn(
            "cannot list the model repository {} ({}); the models stay as they were",
            root,
            e.toString());
        return;
      }
      Map<String, ServedModel> next = new TreeMap<>();
      for (Path folder : folders) {
        String name = folder.getFileName().toString();
        if (!MODEL_NAME.matcher(name).matches() || !Files.isDirectory(folder)) {
          continue;
        }
        NavigableMap<Long, ModelVersion> versions = scanVersions(name, folder, models.get(name));
        if (!versions.isEmpty()) {
          next.put(name, new ServedModel(name, versions, batchLimit(folder)));
        }
      }
      install(Collections.unmodifiableMap(next));
      scanned = true;
    }
  }

  /**
   * Adds a model version: the next version number of {@code modelName} (1 for a new model), written
   * as {@code <model>/<version>/model.onnx} by a temporary file and an atomic move, so that no scan
   * and no other server reading the folder ever sees half a file. Writes the model's config.pbtxt
   * too, unless someone wrote that by hand. The version serves when this returns.
   *
   * @param modelName the model's name: 1 to 128 characters from [A-Za-z0-9_.-], starting with a
   *     letter or digit
   * @param onnxModel the serialized ONNX model, FP32 or INT64 tensors in and out
   * @param metadata descriptive entries stored with the version, for example the search id and the
   *     architecture; reported among the version's parameters
   * @return the new version, ready
   * @throws IllegalArgumentException if the name is not valid or ONNX Runtime cannot load the model
   *     (nothing is written then)
   * @throws IOException if the files cannot be written
   */
  public ModelVersion publish(String modelName, byte[] onnxModel, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(onnxModel, "onnxModel");
    Objects.requireNonNull(metadata, "metadata");
    Map<String, String> entries = new LinkedHashMap<>(metadata);
    if (modelName == null || !MODEL_NAME.matcher(modelName).matches()) {
      throw new IllegalArgumentException(
          "a model name is 1 to 128 characters from [A-Za-z0-9_.-]"
              + " starting with a letter or digit, was "
              + (modelName == null ? "null" : "'" + modelName + "'"));
    }
    SessionLoader.Loaded loaded;
    try {
      loaded = loader.load(onnxModel);
    } catch (SessionLoader.LoadFailure failure) {
      throw new IllegalArgumentException(
          "model '" + modelName + "' cannot be published: " + failure.getMessage());
    }
    boolean handedOver = false;
    try {
      synchronized (scanLock) {
        if (closed) {
          throw new IllegalStateException("the model repository is closed");
        }
        Path folder = root.resolve(modelName);
        Files.createDirectories(folder);
        Path versionFolder = claimVersion(folder);
        long version = Long.parseLong(versionFolder.getFileName().toString());
        Path file = versionFolder.resolve(MODEL_FILE);
        try {
          if (!entries.isEmpty()) {
            writeAtomically(
                versionFolder.resolve(METADATA_FILE),
                json(entries).getBytes(StandardCharsets.UTF_8));
          }
          Path config = folder.resolve(TritonConfig.FILE);
          if (TritonConfig.ownedByEnas(config)) {
            writeAtomically(
                config,
                TritonConfig.render(
                        modelName,
                        version,
                        loaded.inputs(),
                        loaded.outputs(),
                        loaded.batched(),
                        settings.maxBatch())
                    .getBytes(StandardCharsets.UTF_8));
          }
          // The model file comes last: its appearance is what makes the version exist.
          writeAtomically(file, onnxModel);
        } catch (IOException | RuntimeException e) {
          deleteQuietly(versionFolder.resolve(METADATA_FILE));
          deleteQuietly(file);
          deleteQuietly(versionFolder);
          throw e;
        }
        ModelVersion published =
            register(modelName, version, Fingerprint.of(file), loaded, entries);
        handedOver = true;
        Map<String, ServedModel> next = new TreeMap<>(models);
        ServedModel before = next.get(modelName);
        NavigableMap<Long, ModelVersion> versions =
            before == null ? new TreeMap<>() : new TreeMap<>(before.versions());
        versions.put(version, published);
        next.put(modelName, new ServedModel(modelName, versions, batchLimit(folder)));
        install(Collections.unmodifiableMap(next));
        return published;
      }
    } finally {
      if (!handedOver) {
        try {
          loaded.session().close();
        } catch (Exception e) {
          log.warn("closing an unpublished session failed", e);
        }
      }
    }
  }

  /**
   * The bytes of a version's model file, as the folder holds them now (served or not).
   *
   * @return empty if the name is not a valid model name or the version has no model file
   * @throws IOException if the file exists but cannot be read
   */
  public Optional<byte[]> read(String modelName, long version) throws IOException {
    if (modelName == null || !MODEL_NAME.matcher(modelName).matches() || version < 1) {
      return Optional.empty();
    }
    Path file = root.resolve(modelName).resolve(Long.toString(version)).resolve(MODEL_FILE);
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Stops scanning and closes every session once the requests running on it have finished. */
  @Override
  public void close() {
    scanner.shutdownNow();
    synchronized (scanLock) {
      if (closed) {
        return;
      }
      closed = true;
      install(Map.of());
    }
  }

  private void scanQuietly() {
    try {
      scan();
    } catch (RuntimeException e) {
      log.error("scanning the model repository {} failed; the next scan tries again", root, e);
    }
  }

  private NavigableMap<Long, ModelVersion> scanVersions(
      String name, Path folder, ServedModel before) {
    NavigableMap<Long, ModelVersion> versions = new TreeMap<>();
    List<Path> children;
    try {
      children = list(folder);
    } catch (IOException e) {
      return versions;
    }
    for (Path child : children) {
      String number = child.getFileName().toString();
      Path file = child.resolve(MODEL_FILE);
      if (!VERSION.matcher(number).matches() || !Files.isRegularFile(file)) {
        continue;
      }
      long version = Long.parseLong(number);
      Fingerprint fingerprint;
      try {
        fingerprint = Fingerprint.of(file);
      } catch (IOException e) {
        continue;
      }
      ModelVersion known = before == null ? null : before.versions().get(version);
      versions.put(
          version,
          known != null && known.fingerprint().equals(fingerprint)
              ? known
              : load(name, version, file, fingerprint));
    }
    return versions;
  }

  private ModelVersion load(String name, long version, Path file, Fingerprint fingerprint) {
    try {
      SessionLoader.Loaded loaded = loader.load(file);
      return register(
          name, version, fingerprint, loaded, readMetadata(file.resolveSibling(METADATA_FILE)));
    } catch (SessionLoader.LoadFailure failure) {
      // Clients see the reason: name the file by its place in the repository, not the disk.
      String reason =
          failure.getMessage().replace(file.toString(), root.relativize(file).toString());
      log.warn("model '{}' version {} is not ready: {}", name, version, reason);
      return ModelVersion.failed(name, version, fingerprint, reason);
    }
  }

  private ModelVersion register(
      String name,
      long version,
      Fingerprint fingerprint,
      SessionLoader.Loaded loaded,
      Map<String, String> published) {
    String label = "model '" + name + "' version " + version;
    openSessions.incrementAndGet();
    LoadedSession session =
        new LoadedSession(label, loaded.session(), openSessions::decrementAndGet);
    Map<String, String> parameters = new LinkedHashMap<>(published);
    parameters.putAll(loaded.metadata());
    log.info("serving {}: inputs {}, outputs {}", label, loaded.inputs(), loaded.outputs());
    return ModelVersion.ready(name, version, fingerprint, session, loaded, parameters);
  }

  /** Publishes a new set of models, then retires every version that is not part of it. */
  private void install(Map<String, ServedModel> next) {
    Map<String, ServedModel> previous = models;
    models = next;
    for (ServedModel model : previous.values()) {
      ServedModel now = next.get(model.name());
      for (ModelVersion version : model.versions().values()) {
        if (now == null || now.versions().get(version.version()) != version) {
          log.info("unloading {}", version);
          version.retire();
        }
      }
    }
  }

  private int batchLimit(Path folder) {
    int configured =
        TritonConfig.maxBatch(folder.resolve(TritonConfig.FILE)).orElse(Integer.MAX_VALUE);
    return Math.min(settings.maxBatch(), configured);
  }

  /** Creates the next version folder; the creation itself settles a race between publishers. */
  private static Path claimVersion(Path folder) throws IOException {
    long highest = 0;
    for (Path child : list(folder)) {
      String name = child.getFileName().toString();
      if (VERSION.matcher(name).matches()) {
        highest = Math.max(highest, Long.parseLong(name));
      }
    }
    for (long version = highest + 1; ; version++) {
      try {
        return Files.createDirectory(folder.resolve(Long.toString(version)));
      } catch (FileAlreadyExistsException taken) {
        // Someone else created it since the listing: try the next number.
      }
    }
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path temporary =
        Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(
          temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /**
   * The entries of a version's metadata file: a JSON object whose values are strings (a value of
   * another kind, as a hand-written file may hold, is kept as its JSON text). A file that is not a
   * JSON object costs the metadata, with a warning, never the model.
   */
  static Map<String, String> readMetadata(Path file) {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      if (root == null || !root.isObject()) {
        log.warn("ignoring {}: not a JSON object", file);
        return Map.of();
      }
      Map<String, String> entries = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> entry : root.properties()) {
        JsonNode value = entry.getValue();
        entries.put(entry.getKey(), value.isTextual() ? value.textValue() : value.toString());
      }
      return entries;
    } catch (IOException e) {
      log.warn("ignoring {}: not a JSON object ({})", file, e.getMessage());
      return Map.of();
    }
  }

  /** The metadata file's text: a JSON object of strings, one entry a line, in the map's order. */
  static String json(Map<String, String> entries) {
    ObjectNode object = JSON.createObjectNode();
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      object.put(entry.getKey(), Objects.requireNonNull(entry.getValue(), entry.getKey()));
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(object) + "\n";
    } catch (JsonProcessingException e) {
      // An object of strings always serialises.
      throw new IllegalStateException(e);
    }
  }

  private static List<Path> list(Path folder) throws IOException {
    try (Stream<Path> children = Files.list(folder)) {
      return new ArrayList<>(children.sorted().toList());
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.debug("could not delete {}", path, e);
    }
  }
}
