package dev.enas.server.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.QuotaFailure;
import com.google.rpc.ResourceInfo;
import dev.enas.server.domain.SearchBackendException;
import dev.enas.server.store.EventLog.CutReason;
import dev.enas.spec.FieldViolation;
import dev.enas.spec.SpecException;
import io.grpc.Metadata;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses, so that every RPC reports the same kind of
 * failure the same way: client mistakes get a canonical code with machine-readable details
 * (google.rpc.BadRequest, ResourceInfo, PreconditionFailure, QuotaFailure, ErrorInfo), and anything
 * unexpected gets INTERNAL with a generic message and a reference that finds the full detail in the
 * server log.
 *
 * <p>BadRequest field violations name fields by their path from the request message, in the
 * .proto's snake_case names joined by dots: {@code spec.controller.learning_rate}, {@code
 * page_token}, {@code states[1]}.
 */
public final class Statuses {
  /**
   * Trailer of a WatchSearch stream that ended early: the {@code from_sequence} that continues it
   * with no gap and no duplicate.
   */
  public static final Metadata.Key<String> RESUME_SEQUENCE =
      Metadata.Key.of("enas-resume-sequence", Metadata.ASCII_STRING_MARSHALLER);

  /** ErrorInfo domain of this API's errors. */
  public static final String ERROR_DOMAIN = "enas.v1.SearchService";

  private static final Logger log = LoggerFactory.getLogger(Statuses.class);
  // Details travel in trailers, which clients cap (8 KiB by default): keep them well below.
  private static final int MAX_VIOLATIONS = 32;
  private static final int MAX_DESCRIPTION = 256;
  private static final int MAX_MESSAGE = 512;
  // Sent base64-encoded in grpc-status-details-bin, beside the percent-encoded message.
  private static final int MAX_DETAILS_BYTES = 4096;
  private static final int VIOLATIONS_IN_MESSAGE = 3;

  private Statuses() {}

  /** The status a failure is reported with; see the class comment for the mapping. */
  public static StatusRuntimeException toStatus(Throwable failure) {
    Throwable error = unwrap(failure);
    if (error instanceof StatusRuntimeException already) {
      return already;
    }
    if (error instanceof StatusException already) {
      return new StatusRuntimeException(already.getStatus(), already.getTrailers());
    }
    if (error instanceof SearchBackendException.InvalidSpec invalid) {
      return badRequest(
          "invalid search spec",
          invalid.violations().stream().map(SpecMapper::toRequest).collect(Collectors.toList()));
    }
    if (error instanceof SpecException invalid) {
      return badRequest(
          "invalid search spec",
          invalid.violations().stream().map(SpecMapper::toRequest).collect(Collectors.toList()));
    }
    if (error instanceof SearchBackendException.InvalidArgument invalid) {
      return badRequest("invalid request", invalid.violations());
    }
    if (error instanceof SearchBackendException.NotFound missing) {
      return build(
          Code.NOT_FOUND,
          missing.getMessage(),
          Any.pack(
              ResourceInfo.newBuilder()
                  .setResourceType(missing.resourceType())
                  .setResourceName(clip(missing.resourceName(), MAX_DESCRIPTION))
                  .setDescription(clip(missing.getMessage(), MAX_DESCRIPTION))
                  .build()));
    }
    if (error instanceof SearchBackendException.PermissionDenied denied) {
      return build(Code.PERMISSION_DENIED, denied.getMessage());
    }
    if (error instanceof SearchBackendException.AlreadyExists taken) {
      return build(Code.ALREADY_EXISTS, taken.getMessage());
    }
    if (error instanceof SearchBackendException.FailedPrecondition precondition) {
      return build(
          Code.FAILED_PRECONDITION,
          precondition.getMessage(),
          Any.pack(
              PreconditionFailure.newBuilder()
                  .addViolations(
                      PreconditionFailure.Violation.newBuilder()
                          .setType("STATE")
                          .setSubject(precondition.subject())
                          .setDescription(precondition.getMessage()))
                  .build()));
    }
    if (error instanceof SearchBackendException.ResourceExhausted exhausted) {
      return build(
          Code.RESOURCE_EXHAUSTED,
          exhausted.getMessage(),
          Any.pack(
              QuotaFailure.newBuilder()
                  .addViolations(
                      QuotaFailure.Violation.newBuilder()
                          .setSubject("server")
                          .setDescription(exhausted.getMessage()))
                  .build()));
    }
    if (error instanceof TimeoutException) {
      return build(
          Code.DEADLINE_EXCEEDED,
          "the server did not finish the request in time; it may still take effect");
    }
    String reference = UUID.randomUUID().toString();
    log.error("internal error, reference {}", reference, error);
    return build(
        Code.INTERNAL,
        "internal error; the server log has the details under reference " + reference);
  }

  /** INVALID_ARGUMENT on one request field, with a BadRequest naming it. */
  public static StatusRuntimeException invalidArgument(String field, String description) {
    return badRequest("invalid request", List.of(new FieldViolation(field, description)));
  }

  /**
   * How a WatchSearch stream ends when the event log cut it: RESOURCE_EXHAUSTED for a watcher that
   * fell behind, UNAVAILABLE for a server shutting down or a search that stopped running on this
   * cluster node; all carry the resume sequence in the {@link #RESUME_SEQUENCE} trailer and in an
   * ErrorInfo.
   */
  static StatusRuntimeException watchCut(CutReason reason, long resumeSequence, int capacity) {
    String resume = Long.toString(resumeSequence);
    Code code;
    String reasonCode;
    String message;
    if (reason == CutReason.OVERFLOW) {
      code = Code.RESOURCE_EXHAUSTED;
      reasonCode = "WATCHER_TOO_SLOW";
      message =
          "the watcher fell more than "
              + capacity
              + " events behind the search; watch again"
              + " with from_sequence="
              + resume
              + " to continue";
    } else if (reason == CutReason.MOVED) {
      code = Code.UNAVAILABLE;
      reasonCode = "SEARCH_MOVED";
      message =
          "this node stopped running the search, which the cluster places again; watch again"
              + " (through any node) with from_sequence="
              + resume
              + " to continue";
    } else {
      code = Code.UNAVAILABLE;
      reasonCode = "SERVER_SHUTTING_DOWN";
      message =
          "the server is shutting down; watch again with from_sequence=" + resume + " to continue";
    }
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(reasonCode)
                        .setDomain(ERROR_DOMAIN)
                        .putMetadata("resume_sequence", resume)
                        .build()))
            .build();
    Metadata trailers = new Metadata();
    trailers.put(RESUME_SEQUENCE, resume);
    return StatusProto.toStatusRuntimeException(status, trailers);
  }

  private static StatusRuntimeException badRequest(String what, List<FieldViolation> violations) {
    BadRequest.Builder details = BadRequest.newBuilder();
    for (FieldViolation v : violations.subList(0, Math.min(violations.size(), MAX_VIOLATIONS))) {
      BadRequest.FieldViolation violation =
          BadRequest.FieldViolation.newBuilder()
              .setField(clip(v.field(), MAX_DESCRIPTION))
              .setDescription(clip(v.description(), MAX_DESCRIPTION))
              .build();
      // Room for the message beside the list, within the details' budget.
      if (details.build().getSerializedSize() + violation.getSerializedSize() + 8
          > MAX_DETAILS_BYTES - 2 * MAX_MESSAGE) {
        break;
      }
      details.addFieldViolations(violation);
    }
    StringBuilder message = new StringBuilder(what).append(": ");
    int shown = Math.min(violations.size(), VIOLATIONS_IN_MESSAGE);
    for (int i = 0; i < shown; i++) {
      FieldViolation v = violations.get(i);
      message
          .append(i == 0 ? "" : "; ")
          .append(v.field())
          .append(' ')
          .append(clip(v.description(), MAX_DESCRIPTION / 2));
    }
    if (violations.size() > shown) {
      message
          .append(" (")
          .append(violations.size())
          .append(" fields in all; the BadRequest" + " details list ")
          .append(details.getFieldViolationsCount())
          .append(')');
    }
    return build(Code.INVALID_ARGUMENT, message.toString(), Any.pack(details.build()));
  }

  /**
   * The status with {@code message} cut to {@link #MAX_MESSAGE} characters and the details left out
   * if they would still take more than {@link #MAX_DETAILS_BYTES}: messages and details quote the
   * caller's values (an unknown name, say), and a trailer over the client's limit makes its HTTP/2
   * stack close the whole connection, failing every other call on it.
   */
  private static StatusRuntimeException build(Code code, String message, Any... details) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(clip(message, MAX_MESSAGE));
    for (Any detail : details) {
      status.addDetails(detail);
    }
    if (status.build().getSerializedSize() > MAX_DETAILS_BYTES) {
      status.clearDetails();
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  private static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
