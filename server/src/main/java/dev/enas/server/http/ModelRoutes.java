package dev.enas.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMultiMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.server.api.ModelAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The served models under {@code /api/v1/models}, for the dashboard's models page: the Open
 * Inference Protocol's messages as protobuf JSON with the proto's field names, answered by the same
 * code as the gRPC ModelMetadata and ModelInfer.
 *
 * <ul>
 *   <li>{@code GET /api/v1/models}: {@code {"models": [{"name", "ready", "reason", "metadata"}]}},
 *       metadata being a ModelMetadataResponse for a ready model
 *   <li>{@code GET /api/v1/models/{name}}: a ModelMetadataResponse
 *   <li>{@code POST /api/v1/models/{name}/infer} with a ModelInferRequest: a ModelInferResponse
 * </ul>
 */
final class ModelRoutes {
  /** Larger than one 3 x 64 x 64 image written out as JSON numbers, with room to spare. */
  static final long MAX_REQUEST_BYTES = 16L * 1024 * 1024;

  private static final JsonFormat.Printer JSON =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ModelAccess models;

  ModelRoutes(ModelAccess models) {
    this.models = models;
  }

  /** Everything under {@code /api/v1/models}. */
  Route routes() {
    return concat(
        pathEnd(
            () ->
                get(
                    () ->
                        parameterMultiMap(
                            params ->
                                ApiRoutes.handle(
                                    () -> {
                                      Params.of(params, Set.of());
                                      return completeWithFuture(list().handle(ModelRoutes::answer));
                                    })))),
        pathPrefix(
            PathMatchers.segment(),
            name ->
                concat(
                    pathEnd(
                        () ->
                            get(
                                () ->
                                    parameterMultiMap(
                                        params ->
                                            ApiRoutes.handle(
                                                () -> {
                                                  Params.of(params, Set.of());
                                                  return completeWithFuture(
                                                      models
                                                          .metadata(name)
                                                          .thenApply(ModelRoutes::print)
                                                          .handle(ModelRoutes::answer));
                                                })))),
                    path(
                        "infer",
                        () ->
                            post(
                                () ->
                                    org.apache.pekko.http.javadsl.server.Directives.withSizeLimit(
                                        MAX_REQUEST_BYTES,
                                        () ->
                                            entity(
                                                Unmarshaller.entityToString(),
                                                body ->
                                                    ApiRoutes.handle(
                                                        () ->
                                                            completeWithFuture(
                                                                infer(name, body)
                                                                    .handle(
                                                                        ModelRoutes
                                                                            ::answer))))))))));
  }

  private CompletionStage<String> list() {
    List<String> names = models.names();
    List<CompletableFuture<String>> entries = new ArrayList<>();
    for (String name : names) {
      entries.add(
          models
              .metadata(name)
              .thenApply(ModelRoutes::print)
              .handle((json, error) -> error == null ? json : null)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(entries.toArray(new CompletableFuture<?>[0]))
        .thenApply(
            done -> {
              ObjectNode body = MAPPER.createObjectNode();
              ArrayNode array = body.putArray("models");
              for (int i = 0; i < names.size(); i++) {
                ObjectNode entry = array.addObject();
                String metadata = entries.get(i).join();
                entry.put("name", names.get(i));
                entry.put("ready", metadata != null);
                entry.put("reason", metadata != null ? "" : models.notReadyReason(names.get(i)));
                if (metadata != null) {
                  try {
                    entry.set("metadata", MAPPER.readTree(metadata));
                  } catch (JsonProcessingException e) {
                    throw new IllegalStateException("protobuf JSON that Jackson cannot read", e);
                  }
                }
              }
              return body.toString();
            });
  }

  private CompletionStage<String> infer(String name, String body) {
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder();
    try {
      PARSER.merge(body, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw HttpError.badParameter(
          "body", "must be a ModelInferRequest as protobuf JSON: " + e.getMessage());
    }
    if (!request.getModelName().isEmpty() && !request.getModelName().equals(name)) {
      throw HttpError.badParameter(
          "model_name",
          "must be empty or the model of the path, "
              + Params.quote(name)
              + ", was "
              + Params.quote(request.getModelName()));
    }
    return models.infer(request.setModelName(name).build()).thenApply(ModelRoutes::print);
  }

  private static String print(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse answer(String json, Throwable error) {
    if (error != null) {
      return HttpError.of(error).response();
    }
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(ContentTypes.APPLICATION_JSON, json);
  }
}
