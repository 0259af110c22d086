package dev.enas.server.cluster;

import dev.enas.server.domain.SearchBackendException;
import dev.enas.spec.FieldViolation;
import java.util.List;

/**
 * The owning node's answer to a create or a control of a search: done, or the refusal, carried as
 * its fields so that the node the client called raises the same {@link SearchBackendException} (and
 * so the same status, message and details) as the owner would have.
 *
 * @param kind empty when done; otherwise the refusal's simple class name
 */
public record Answer(
    String kind,
    String message,
    String subject,
    String resourceType,
    String resourceName,
    String resource,
    long limit,
    String setting,
    List<FieldViolation> violations)
    implements ClusterMessage {

  private static final Answer DONE = new Answer("", "", "", "", "", "", 0, "", List.of());

  public Answer {
    violations = List.copyOf(violations);
  }

  /** Done. */
  public static Answer done() {
    return DONE;
  }

  /** Whether the owner did what was asked. */
  public boolean ok() {
    return kind.isEmpty();
  }

  /** The answer carrying a refusal. */
  public static Answer of(SearchBackendException refusal) {
    String message = refusal.getMessage() == null ? "" : refusal.getMessage();
    if (refusal instanceof SearchBackendException.NotFound n) {
      return new Answer(
          "NotFound", message, "", n.resourceType(), n.resourceName(), "", 0, "", List.of());
    }
    if (refusal instanceof SearchBackendException.FailedPrecondition f) {
      return new Answer("FailedPrecondition", message, f.subject(), "", "", "", 0, "", List.of());
    }
    if (refusal instanceof SearchBackendException.ResourceExhausted r) {
      return new Answer(
          "ResourceExhausted",
          message,
          "",
          "",
          "",
          r.resource(),
          r.limit(),
          r.setting(),
          List.of());
    }
    if (refusal instanceof SearchBackendException.InvalidSpec i) {
      return new Answer("InvalidSpec", message, "", "", "", "", 0, "", i.violations());
    }
    if (refusal instanceof SearchBackendException.InvalidArgument i) {
      return new Answer("InvalidArgument", message, "", "", "", "", 0, "", i.violations());
    }
    if (refusal instanceof SearchBackendException.AlreadyExists) {
      return new Answer("AlreadyExists", message, "", "", "", "", 0, "", List.of());
    }
    return new Answer("PermissionDenied", message, "", "", "", "", 0, "", List.of());
  }

  /**
   * The refusal this answer carries.
   *
   * @throws IllegalStateException if the answer is done
   */
  public SearchBackendException refusal() {
    return switch (kind) {
      case "NotFound" -> new SearchBackendException.NotFound(resourceType, resourceName, message);
      case "FailedPrecondition" -> new SearchBackendException.FailedPrecondition(subject, message);
      case "ResourceExhausted" ->
          new SearchBackendException.ResourceExhausted(resource, limit, setting);
      case "InvalidSpec" -> new SearchBackendException.InvalidSpec(violations);
      case "InvalidArgument" ->
          new SearchBackendException.InvalidArgument(
              violations.get(0).field(), violations.get(0).description());
      case "AlreadyExists" -> new SearchBackendException.AlreadyExists(message);
      case "PermissionDenied" -> new SearchBackendException.PermissionDenied(message);
      default -> throw new IllegalStateException("not a refusal: '" + kind + "'");
    };
  }
}
