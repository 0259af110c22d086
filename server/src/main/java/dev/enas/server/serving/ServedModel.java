package dev.enas.server.serving;

import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One model of the repository: its versions as the last scan found them, and the largest batch a
 * request may carry. Immutable.
 *
 * @param name the model's folder name
 * @param versions every version found, ready or not, by number
 * @param maxBatch the batch limit of the model's batched versions: the server's limit, lowered by a
 *     smaller positive {@code max_batch_size} in the model's config.pbtxt
 */
public record ServedModel(String name, NavigableMap<Long, ModelVersion> versions, int maxBatch) {
  public ServedModel {
    Objects.requireNonNull(name, "name");
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("a model has at least one version");
    }
    versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
  }

  /**
   * The version a request without one gets: the highest that is ready, so that a broken new file
   * never takes down a model that has a working older version; the highest of all when none is
   * ready, so that its reason is what clients are told.
   */
  public ModelVersion defaultVersion() {
    for (ModelVersion version : versions.descendingMap().values()) {
      if (version.ready()) {
        return version;
      }
    }
    return versions.lastEntry().getValue();
  }

  /** Numbers of the versions that are ready, lowest first. */
  public List<Long> readyVersions() {
    return versions.values().stream()
        .filter(ModelVersion::ready)
        .map(ModelVersion::version)
        .toList();
  }
}
