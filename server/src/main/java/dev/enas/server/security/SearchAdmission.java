package dev.enas.server.security;

import dev.enas.data.DataRoots;
import java.util.Objects;

/**
 * What a new search must pass before anything is allocated for it: its data set must lie inside
 * the data roots.
 *
 * @param dataRoots the folders data sets may be read from
 */
public record SearchAdmission(DataRoots dataRoots) {

  public SearchAdmission {
    Objects.requireNonNull(dataRoots, "dataRoots");
  }

  /** The strictest admission: embedded data sets only. */
  public static SearchAdmission defaults() {
    return new SearchAdmission(DataRoots.none());
  }
}
