package dev.enas.server.security;

import dev.enas.data.DataRoots;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a new search must pass before anything is allocated for it: its data set must lie inside the
 * data roots, and its estimated needs must fit the resource budgets.
 *
 * @param dataRoots the folders data sets may be read from
 * @param limits the budgets a spec's {@link dev.enas.train.ResourceEstimate} must fit
 * @param owners who created each search
 * @param modelTaken whether a model of this name is already in the model repository (placed by hand
 *     or published by another search): a search publishes under its id, so such an id is refused at
 *     create time rather than taking the model over at publish time
 */
public record SearchAdmission(
    DataRoots dataRoots, ResourceLimits limits, SearchOwners owners, Predicate<String> modelTaken) {

  public SearchAdmission {
    Objects.requireNonNull(dataRoots, "dataRoots");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(owners, "owners");
    Objects.requireNonNull(modelTaken, "modelTaken");
  }

  /** Data from these roots under these budgets, owners in memory, no model taken. */
  public SearchAdmission(DataRoots dataRoots, ResourceLimits limits) {
    this(dataRoots, limits, SearchOwners.inMemory(), name -> false);
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
