package dev.enas.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.QuotaFailure;
import com.google.rpc.ResourceInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A failed call to the search API: the canonical status code, the server's message, and the
 * machine-readable details decoded into plain values (the bad fields of a BadRequest first of all),
 * so that callers never have to unpack google.rpc.Status themselves.
 */
public final class EnasException extends RuntimeException {
  /** Trailer of a cut WatchSearch stream: the {@code from_sequence} that continues it. */
  public static final Metadata.Key<String> RESUME_SEQUENCE_TRAILER =
      Metadata.Key.of("enas-resume-sequence", Metadata.ASCII_STRING_MARSHALLER);

  /** ErrorInfo metadata key with the same resume point as {@link #RESUME_SEQUENCE_TRAILER}. */
  public static final String RESUME_SEQUENCE_KEY = "resume_sequence";

  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String description;
  private final List<FieldViolation> fieldViolations;
  private final List<String> details;
  private final long resumeSequence;

  private EnasException(
      Status.Code code,
      String description,
      List<FieldViolation> violations,
      List<String> details,
      long resumeSequence,
      Throwable cause) {
    super(render(code, description, violations, details), cause);
    this.code = code;
    this.description = description;
    this.fieldViolations = List.copyOf(violations);
    this.details = List.copyOf(details);
    this.resumeSequence = resumeSequence;
  }

  /** The exception a failed call's throwable stands for, with its status details decoded. */
  public static EnasException from(Throwable failure) {
    if (failure instanceof EnasException already) {
      return already;
    }
    Status status = Status.fromThrowable(failure);
    String description = status.getDescription() == null ? "" : status.getDescription();
    List<FieldViolation> violations = new ArrayList<>();
    List<String> details = new ArrayList<>();
    long resume = -1;
    com.google.rpc.Status rich = StatusProto.fromThrowable(failure);
    if (rich != null) {
      for (Any any : rich.getDetailsList()) {
        resume = Math.max(resume, decode(any, description, violations, details));
      }
    }
    Metadata trailers = Status.trailersFromThrowable(failure);
    if (trailers != null) {
      resume = Math.max(resume, parseSequence(trailers.get(RESUME_SEQUENCE_TRAILER)));
    }
    return new EnasException(status.getCode(), description, violations, details, resume, failure);
  }

  /** A failure that started on this side of the wire, such as an interrupted wait. */
  static EnasException local(Status.Code code, String description, Throwable cause) {
    return new EnasException(code, description, List.of(), List.of(), -1, cause);
  }

  /** The canonical status code, for example INVALID_ARGUMENT or NOT_FOUND. */
  public Status.Code code() {
    return code;
  }

  /** The server's message, without the code. */
  public String description() {
    return description;
  }

  /** Every bad field the server named in a google.rpc.BadRequest; empty for other failures. */
  public List<FieldViolation> fieldViolations() {
    return fieldViolations;
  }

  /**
   * The other details the server attached (missing resource, failed precondition, quota), one
   * readable line each.
   */
  public List<String> details() {
    return details;
  }

  /**
   * Where a cut watch stream would continue, from the {@code enas-resume-sequence} trailer or the
   * ErrorInfo detail; empty for every other failure.
   */
  public OptionalLong resumeSequence() {
    return resumeSequence < 0 ? OptionalLong.empty() : OptionalLong.of(resumeSequence);
  }

  // Returns the resume sequence the detail carries, or -1.
  private static long decode(
      Any any, String message, List<FieldViolation> violations, List<String> details) {
    try {
      if (any.is(BadRequest.class)) {
        for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
          violations.add(new FieldViolation(v.getField(), v.getDescription()));
        }
      } else if (any.is(ErrorInfo.class)) {
        ErrorInfo info = any.unpack(ErrorInfo.class);
        return parseSequence(info.getMetadataMap().get(RESUME_SEQUENCE_KEY));
      } else if (any.is(ResourceInfo.class)) {
        ResourceInfo info = any.unpack(ResourceInfo.class);
        details.add(
            "resource "
                + info.getResourceType()
                + " '"
                + info.getResourceName()
                + "'"
                + unlessSaid(info.getDescription(), message));
      } else if (any.is(PreconditionFailure.class)) {
        for (PreconditionFailure.Violation v :
            any.unpack(PreconditionFailure.class).getViolationsList()) {
          details.add(
              "precondition "
                  + v.getType()
                  + " of "
                  + v.getSubject()
                  + unlessSaid(v.getDescription(), message));
        }
      } else if (any.is(QuotaFailure.class)) {
        for (QuotaFailure.Violation v : any.unpack(QuotaFailure.class).getViolationsList()) {
          details.add("quota of " + v.getSubject() + unlessSaid(v.getDescription(), message));
        }
      }
    } catch (InvalidProtocolBufferException malformed) {
      // A detail that does not decode is only extra information: the status code still stands.
      details.add("undecodable detail " + any.getTypeUrl());
    }
    return -1;
  }

  // Servers often repeat the status message in the detail: say it once.
  private static String unlessSaid(String description, String message) {
    return description.isEmpty() || description.equals(message) ? "" : ": " + description;
  }

  private static long parseSequence(String text) {
    if (text == null) {
      return -1;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException notANumber) {
      return -1;
    }
  }

  private static String render(
      Status.Code code, String description, List<FieldViolation> violations, List<String> details) {
    StringBuilder text = new StringBuilder(code.name());
    if (!description.isEmpty()) {
      text.append(": ").append(description);
    }
    for (FieldViolation v : violations) {
      text.append(System.lineSeparator()).append("  ").append(v);
    }
    for (String d : details) {
      text.append(System.lineSeparator()).append("  ").append(d);
    }
    return text.toString();
  }
}
