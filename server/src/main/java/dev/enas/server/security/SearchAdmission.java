package dev.enas.server.security;

import dev.enas.data.DataRoots;
import java.util.Objects;

/**
 * What a new search must pass before anything is allocated for it: its data set must lie inside
 * the data roots, and its estimated needs must fit the resource budgets.
 *
 * @param dataRoots the folders data sets may be read from
 * @param limits the budgets a spec's {@link dev.enas.train.ResourceEstimate} must fit
 */
public record SearchAdmission(DataRoots dataRoots, ResourceLimits limits) {

  public SearchAdmission {
    Objects.requireNonNull(dataRoots, "dataRoots");
    Objects.requireNonNull(limits, "limits");
  }

  /** Data from these roots under the default budgets. */
  public SearchAdmission(DataRoots dataRoots) {
    this(dataRoots, ResourceLimits.defaults());
  }

  /** Embedded data sets only, under the default budgets. */
  public static SearchAdmission defaults() {
    return new SearchAdmission(DataRoots.none());
  }
}
