package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.inference.ServerLiveRequest;
import dev.enas.proto.inference.ServerLiveResponse;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Where calls run over a real loopback port: a service marked {@link GrpcServer.OnTransportThread}
 * on the transport thread that read the call, every other one (the search API among them) on the
 * handler pool, so that a handler that waits can never hold up the transport.
 */
class CallThreadsTest {
  @Test
  void markedServicesRunOnTheTransportThreadAndTheOthersOnTheHandlerPool() throws Exception {
    Recorder marked = new MarkedRecorder("test.Marked");
    Recorder plain = new Recorder("test.Plain");
    GrpcServer server =
        GrpcServer.start(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            new InMemorySearchBackend(2),
            new GrpcSettings(2, 1, 64, Duration.ofSeconds(5)),
            List.of(marked, plain));
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                InetAddress.getLoopbackAddress().getHostAddress(),
                server.port(),
                InsecureChannelCredentials.create())
            .build();
    try {
      for (Recorder recorder : List.of(marked, plain)) {
        ServerLiveResponse answer =
            ClientCalls.blockingUnaryCall(
                channel,
                recorder.method,
                CallOptions.DEFAULT,
                ServerLiveRequest.getDefaultInstance());
        assertThat(answer.getLive()).isTrue();
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }

    assertThat(marked.thread.get()).startsWith("grpc-").doesNotStartWith("enas-grpc-");
    assertThat(plain.thread.get()).startsWith("enas-grpc-");
  }

  /** A one-method service that remembers the thread its handler ran on. */
  private static class Recorder implements BindableService {
    final AtomicReference<String> thread = new AtomicReference<>();
    final MethodDescriptor<ServerLiveRequest, ServerLiveResponse> method;

    Recorder(String service) {
      method =
          MethodDescriptor.<ServerLiveRequest, ServerLiveResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Where"))
              .setRequestMarshaller(ProtoUtils.marshaller(ServerLiveRequest.getDefaultInstance()))
              .setResponseMarshaller(ProtoUtils.marshaller(ServerLiveResponse.getDefaultInstance()))
              .build();
    }

    @Override
    public ServerServiceDefinition bindService() {
      return ServerServiceDefinition.builder(method.getServiceName())
          .addMethod(
              method,
              ServerCalls.asyncUnaryCall(
                  (request, response) -> {
                    thread.set(Thread.currentThread().getName());
                    response.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
                    response.onCompleted();
                  }))
          .build();
    }
  }

  private static final class MarkedRecorder extends Recorder
      implements GrpcServer.OnTransportThread {
    MarkedRecorder(String service) {
      super(service);
    }
  }
}
