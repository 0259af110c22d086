package dev.enas.server.api;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request body that is not a valid message of the method's request type with
 * INVALID_ARGUMENT naming the type. grpc-java parses a request inside its own call machinery, and a
 * parse failure there becomes UNKNOWN ("Application error processing RPC") with a SEVERE stack
 * trace in the log: a caller's garbage would look like a server fault and could flood the log. Here
 * the parse result travels to the call as a value, and a failure closes the call cleanly.
 *
 * <p>It also bounds every status message these services send: a message that quotes a caller's
 * value (an unknown name of 64 KiB, say) would otherwise travel in a trailer over the client's
 * header limit, and the client's HTTP/2 stack answers that by closing the whole connection, failing
 * every other call on it.
 */
final class MalformedRequests {
  private MalformedRequests() {}

  /** {@code service} with every method's requests parsed as described above. */
  static ServerServiceDefinition refuse(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> checked = checked(method);
      methods.add(checked);
      descriptor.addMethod(checked.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(out::addMethod);
    return out.build();
  }

  /** Status messages longer than this, counted as percent-encoded on the wire, are cut. */
  static final int MAX_DESCRIPTION_BYTES = 2048;

  /** {@code status} with its description cut to {@link #MAX_DESCRIPTION_BYTES} on the wire. */
  static Status bounded(Status status) {
    String description = status.getDescription();
    if (description == null) {
      return status;
    }
    int wire = 0;
    for (int i = 0; i < description.length(); ) {
      int c = description.codePointAt(i);
      // grpc-message keeps printable ASCII but '%' as it is and percent-encodes each other byte.
      wire +=
          c >= 0x20 && c < 0x7f && c != '%'
              ? 1
              : 3 * new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8).length;
      if (wire > MAX_DESCRIPTION_BYTES) {
        return status.withDescription(description.substring(0, i) + " (cut)");
      }
      i += Character.charCount(c);
    }
    return status;
  }

  /** A request as parsed: the message, or null and why it could not be parsed. */
  private record Parsed<Q>(Q message, RuntimeException failure) {}

  /**
   * The request message a server-wide interceptor sees for {@code message}: these services' calls
   * carry the parse result, which holds the message (null for a body that did not parse).
   */
  static Object request(Object message) {
    return message instanceof Parsed<?> parsed ? parsed.message() : message;
  }

  private static <Q, R> ServerMethodDefinition<Parsed<Q>, R> checked(
      ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor.Marshaller<Q> requests = method.getRequestMarshaller();
    MethodDescriptor<Parsed<Q>, R> wire =
        method.toBuilder(
                new MethodDescriptor.Marshaller<Parsed<Q>>() {
                  @Override
                  public InputStream stream(Parsed<Q> value) {
                    return requests.stream(value.message());
                  }

                  @Override
                  public Parsed<Q> parse(InputStream stream) {
                    try {
                      return new Parsed<>(requests.parse(stream), null);
                    } catch (RuntimeException e) {
                      return new Parsed<>(null, e);
                    }
                  }
                },
                method.getResponseMarshaller())
            .build();
    String type = requestType(method);
    ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(
        wire,
        (call, headers) ->
            new CheckedListener<>(
                call, handler.startCall(new Unwrapped<>(call, method), headers), type));
  }

  private static String requestType(MethodDescriptor<?, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof com.google.protobuf.Message m) {
      return m.getDescriptorForType().getFullName();
    }
    return "request";
  }

  /** Passes parsed messages on; closes the call at the first body that did not parse. */
  private static final class CheckedListener<Q, R> extends ServerCall.Listener<Parsed<Q>> {
    private final ServerCall<Parsed<Q>, R> call;
    private final ServerCall.Listener<Q> delegate;
    private final String type;
    private boolean refused;

    CheckedListener(ServerCall<Parsed<Q>, R> call, ServerCall.Listener<Q> delegate, String type) {
      this.call = call;
      this.delegate = delegate;
      this.type = type;
    }

    @Override
    public void onMessage(Parsed<Q> message) {
      if (refused) {
        return;
      }
      if (message.failure() != null) {
        refused = true;
        call.close(
            Status.INVALID_ARGUMENT.withDescription(
                "the request body is not a valid " + type + " message"),
            new Metadata());
        return;
      }
      delegate.onMessage(message.message());
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    @Override
    public void onReady() {
      if (!refused) {
        delegate.onReady();
      }
    }
  }

  /** The call as the service sees it: its own request type and method descriptor. */
  private static final class Unwrapped<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<Parsed<Q>, R> call;
    private final MethodDescriptor<Q, R> method;

    Unwrapped(ServerCall<Parsed<Q>, R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      call.close(bounded(status), trailers);
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}
