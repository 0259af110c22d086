package dev.enas.server.domain;

import dev.enas.spec.FieldViolation;
import java.util.List;
import java.util.Objects;

/**
 * Failures a client caused, each of which {@link Statuses} turns into one canonical status code.
 * The set is closed so that every kind has exactly one mapping; anything else a backend throws is a
 * bug and becomes INTERNAL.
 */
public abstract sealed class SearchBackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final int QUOTED_MAX = 64;

  private SearchBackendException(String message) {
    super(message, null, false, false);
  }

  /**
   * A client-supplied string fit for an error message: quoted, at most 64 characters, control
   * characters escaped, so that a hostile value can neither bloat nor forge the message.
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("'");
    int limit = Math.min(value.length(), QUOTED_MAX);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > QUOTED_MAX) {
      out.append("...' (").append(value.length()).append(" characters)");
    } else {
      out.append('\'');
    }
    return out.toString();
  }

  /** NOT_FOUND: the named search or architecture does not exist. */
  public static final class NotFound extends SearchBackendException {
    private static final long serialVersionUID = 1L;
    private final String resourceType;
    private final String resourceName;

    /**
     * @param resourceType the proto type of what is missing, for example {@code enas.v1.Search}
     * @param resourceName its name, for example the search id
     * @param message names the request field that held the missing name
     */
    public NotFound(String resourceType, String resourceName, String message) {
      super(message);
      this.resourceType = Objects.requireNonNull(resourceType, "resourceType");
      this.resourceName = Objects.requireNonNull(resourceName, "resourceName");
    }

    /** No search has this id. */
    public static NotFound search(String id) {
      return new NotFound("enas.v1.Search", id, "no search has search_id " + quote(id));
    }

    /** The search's history has no entry at this index. */
    public static NotFound architecture(String searchId, long index, long historySize) {
      return new NotFound(
          "enas.v1.SampledArchitecture",
          searchId + "/" + index,
          "search "
              + quote(searchId)
              + " has no architecture at index "
              + index
              + ": its history holds "
              + historySize);
    }

    /** The search has published no model (yet): it is still running, failed or was cancelled. */
    public static NotFound model(String searchId, String phase) {
      return new NotFound(
          "enas.v1.ModelChunk",
          searchId,
          "search "
              + quote(searchId)
              + " has no model: only a search that succeeded has one, and it is "
              + phase);
    }

    /** The search's model has no such version in the model repository. */
    public static NotFound modelVersion(String searchId, String model, long version) {
      return new NotFound(
          "enas.v1.ModelChunk",
          model + "/" + version,
          "search "
              + quote(searchId)
              + " has no model version "
              + version
              + " (model "
              + quote(model)
              + " in the model repository)");
    }

    public String resourceType() {
      return resourceType;
    }

    public String resourceName() {
      return resourceName;
    }
  }

  /** ALREADY_EXISTS: the id a client chose for a new search is taken. */
  public static final class AlreadyExists extends SearchBackendException {
    private static final long serialVersionUID = 1L;

    public AlreadyExists(String message) {
      super(message);
    }

    /** A search with this id exists. */
    public static AlreadyExists search(String id) {
      return new AlreadyExists("a search with search_id " + quote(id) + " already exists");
    }
  }

  /** PERMISSION_DENIED: the caller's role may not act on this search (it is another's). */
  public static final class PermissionDenied extends SearchBackendException {
    private static final long serialVersionUID = 1L;

    public PermissionDenied(String message) {
      super(message);
    }
  }

  /** FAILED_PRECONDITION: the request is valid but the search is in the wrong state for it. */
  public static final class FailedPrecondition extends SearchBackendException {
    private static final long serialVersionUID = 1L;
    private final String subject;

    /**
     * @param subject what is in the wrong state, for example {@code searches/s-12}
     * @param message what state it is in and what the request needs
     */
    public FailedPrecondition(String subject, String message) {
      super(message);
      this.subject = Objects.requireNonNull(subject, "subject");
    }

    public String subject() {
      return subject;
    }
  }

  /** RESOURCE_EXHAUSTED: a configured bound was reached; the message states the bound. */
  public static final class ResourceExhausted extends SearchBackendException {
    private static final long serialVersionUID = 1L;
    private final long limit;
    private final String resource;
    private final String setting;

    /**
     * @param resource what ran out, for example "concurrent searches"
     * @param limit the configured bound
     * @param setting the configuration key that sets it, so an operator knows what to raise
     */
    public ResourceExhausted(String resource, long limit, String setting) {
      super("the server allows at most " + limit + " " + resource + " (" + setting + ")");
      this.limit = limit;
      this.resource = resource;
      this.setting = setting;
    }

    public long limit() {
      return limit;
    }

    public String resource() {
      return resource;
    }

    public String setting() {
      return setting;
    }
  }

  /**
   * INVALID_ARGUMENT about the search spec, with violations named by the core spec's dotted paths
   * ({@code controller.learningRate}); the API renames them to request paths ({@code
   * spec.controller.learning_rate}).
   */
  public static final class InvalidSpec extends SearchBackendException {
    private static final long serialVersionUID = 1L;
    private final transient List<FieldViolation> violations;

    public InvalidSpec(List<FieldViolation> violations) {
      super("invalid search spec: " + violations);
      if (violations.isEmpty()) {
        throw new IllegalArgumentException("an invalid spec needs at least one violation");
      }
      this.violations = List.copyOf(violations);
    }

    public List<FieldViolation> violations() {
      return violations;
    }
  }

  /**
   * INVALID_ARGUMENT about a request field other than the spec, named by its request path ({@code
   * page_token}, {@code from_sequence}).
   */
  public static final class InvalidArgument extends SearchBackendException {
    private static final long serialVersionUID = 1L;
    private final transient List<FieldViolation> violations;

    public InvalidArgument(String field, String description) {
      super(field + ": " + description);
      this.violations = List.of(new FieldViolation(field, description));
    }

    public List<FieldViolation> violations() {
      return violations;
    }
  }
}
