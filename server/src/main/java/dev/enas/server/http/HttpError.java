package dev.enas.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enas.server.domain.SearchBackendException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP error with the JSON body every error of the API has: {@code {"error": {"code": 400,
 * "status": "INVALID_ARGUMENT", "message": "...", "field": "..."}}}, the status names being gRPC's,
 * so that a client handles both transports alike. The one place where backend failures become HTTP
 * statuses; anything that is not a client's fault is a 500 with a generic message, its detail in
 * the log.
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(HttpError.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final transient StatusCode status;
  private final String grpcStatus;
  private final String field;

  HttpError(StatusCode status, String grpcStatus, String field, String message) {
    super(message);
    this.status = status;
    this.grpcStatus = grpcStatus;
    this.field = field;
  }

  /** 400 INVALID_ARGUMENT naming the query parameter or header at fault. */
  static HttpError badParameter(String parameter, String message) {
    return new HttpError(
        StatusCodes.BAD_REQUEST, "INVALID_ARGUMENT", parameter, parameter + ": " + message);
  }

  /** 403 PERMISSION_DENIED naming the header at fault. */
  static HttpError forbidden(String header, String message) {
    return new HttpError(
        StatusCodes.FORBIDDEN, "PERMISSION_DENIED", header, header + ": " + message);
  }

  /**
   * 401 UNAUTHENTICATED: the server has tokens and the request carried no valid one in the named
   * place. The response asks for a bearer token.
   */
  static HttpError unauthenticated(String field, String message) {
    return new HttpError(
        StatusCodes.UNAUTHORIZED, "UNAUTHENTICATED", field, field + ": " + message);
  }

  /** 404 for a path nothing answers. */
  static HttpError noRoute(String path) {
    return new HttpError(StatusCodes.NOT_FOUND, "NOT_FOUND", "", "nothing is served at " + path);
  }

  /** The error a failed backend call or a bad request stands for. */
  static HttpError of(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof HttpError error) {
      return error;
    }
    if (cause instanceof SearchBackendException.InvalidArgument e) {
      String field = e.violations().isEmpty() ? "" : e.violations().get(0).field();
      return new HttpError(StatusCodes.BAD_REQUEST, "INVALID_ARGUMENT", field, e.getMessage());
    }
    if (cause instanceof SearchBackendException.InvalidSpec e) {
      return new HttpError(StatusCodes.BAD_REQUEST, "INVALID_ARGUMENT", "", e.getMessage());
    }
    if (cause instanceof SearchBackendException.NotFound e) {
      return new HttpError(StatusCodes.NOT_FOUND, "NOT_FOUND", "", e.getMessage());
    }
    if (cause instanceof SearchBackendException.AlreadyExists e) {
      return new HttpError(StatusCodes.CONFLICT, "ALREADY_EXISTS", "", e.getMessage());
    }
    if (cause instanceof SearchBackendException.FailedPrecondition e) {
      return new HttpError(StatusCodes.CONFLICT, "FAILED_PRECONDITION", "", e.getMessage());
    }
    if (cause instanceof SearchBackendException.PermissionDenied e) {
      return new HttpError(StatusCodes.FORBIDDEN, "PERMISSION_DENIED", "", e.getMessage());
    }
    if (cause instanceof SearchBackendException.ResourceExhausted e) {
      return new HttpError(
          StatusCodes.SERVICE_UNAVAILABLE, "RESOURCE_EXHAUSTED", "", e.getMessage());
    }
    if (cause instanceof java.util.concurrent.TimeoutException
        || cause instanceof org.apache.pekko.pattern.AskTimeoutException) {
      log.warn("an HTTP request timed out waiting for the server", cause);
      return new HttpError(
          StatusCodes.SERVICE_UNAVAILABLE,
          "DEADLINE_EXCEEDED",
          "",
          "the server did not answer in time; try again");
    }
    log.error("an HTTP request failed", cause);
    return new HttpError(
        StatusCodes.INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "",
        "internal error; the server's log has the details");
  }

  StatusCode status() {
    return status;
  }

  /** The response: this error's status and its JSON body. */
  HttpResponse response() {
    ObjectNode body = MAPPER.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("code", status.intValue());
    error.put("status", grpcStatus);
    error.put("message", getMessage());
    if (!field.isEmpty()) {
      error.put("field", field);
    }
    String json;
    try {
      json = MAPPER.writeValueAsString(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    HttpResponse response =
        HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, json);
    return status.intValue() == 401
        ? response.addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"enas\""))
        : response;
  }
}
