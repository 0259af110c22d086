package dev.enas.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Sends a server token with every call as {@code authorization: Bearer TOKEN}, the header the enas
 * server's role check reads.
 */
final class BearerToken extends CallCredentials {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private final String token;

  BearerToken(String token) {
    this.token = Objects.requireNonNull(token, "token").strip();
    if (this.token.isEmpty()) {
      throw new IllegalArgumentException("the token is empty");
    }
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    try {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("cannot attach the token"));
    }
  }

  @Override
  public String toString() {
    // Never the token itself: clients log their settings.
    return "BearerToken[...]";
  }
}
