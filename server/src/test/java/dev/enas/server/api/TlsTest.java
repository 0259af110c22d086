package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.server.security.TlsSettings;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on a real Netty port: a client that trusts the server's CA gets through, one without it or in
 * plaintext does not; with a client CA only clients holding its certificates get through; and a
 * certificate replaced on disk is served after the reload interval, without a restart.
 */
class TlsTest {
  @TempDir Path dir;

  private record Running(GrpcServer server, TlsCredentials tls) implements AutoCloseable {
    int port() {
      return server.port();
    }

    @Override
    public void close() {
      server.close();
      tls.close();
    }
  }

  private Running start(TlsSettings settings) throws IOException {
    TlsCredentials tls = TlsCredentials.load(settings);
    GrpcServer server =
        GrpcServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), tls.credentials()),
            new InMemorySearchBackend(2),
            GrpcSettings.defaults());
    return new Running(server, tls);
  }

  private static Status.Code call(int port, ChannelCredentials credentials) {
    ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + port, credentials).build();
    try {
      SearchServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listDatasets(ListDatasetsRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } finally {
      channel.shutdownNow();
    }
  }

  private static ChannelCredentials trusting(Path ca) throws IOException {
    return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
  }

  @Test
  void onlyAClientThatTrustsTheCaGetsThrough() throws IOException {
    TestCertificates ca = TestCertificates.newCa(dir.resolve("ca"), "enas-test-ca");
    TestCertificates other = TestCertificates.newCa(dir.resolve("other"), "someone-else");
    Path[] server = ca.issue("server", false);
    try (Running running =
        start(new TlsSettings(server[0], server[1], null, Duration.ofMinutes(1)))) {
      assertThat(call(running.port(), trusting(ca.ca()))).isEqualTo(Status.Code.OK);
      assertThat(call(running.port(), trusting(other.ca()))).isEqualTo(Status.Code.UNAVAILABLE);
      // The JVM's own trust store knows no test CA.
      assertThat(call(running.port(), TlsChannelCredentials.create()))
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(call(running.port(), InsecureChannelCredentials.create()))
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void withAClientCaOnlyClientsWithItsCertificatesGetThrough() throws IOException {
    TestCertificates ca = TestCertificates.newCa(dir.resolve("ca"), "enas-test-ca");
    TestCertificates other = TestCertificates.newCa(dir.resolve("other"), "someone-else");
    Path[] server = ca.issue("server", false);
    Path[] client = ca.issue("client", true);
    Path[] stranger = other.issue("stranger", true);
    try (Running running =
        start(new TlsSettings(server[0], server[1], ca.ca(), Duration.ofMinutes(1)))) {
      assertThat(
              call(
                  running.port(),
                  TlsChannelCredentials.newBuilder()
                      .trustManager(ca.ca().toFile())
                      .keyManager(client[0].toFile(), client[1].toFile())
                      .build()))
          .isEqualTo(Status.Code.OK);
      assertThat(call(running.port(), trusting(ca.ca()))).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(
              call(
                  running.port(),
                  TlsChannelCredentials.newBuilder()
                      .trustManager(ca.ca().toFile())
                      .keyManager(stranger[0].toFile(), stranger[1].toFile())
                      .build()))
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void aReplacedCertificateIsServedAfterTheReloadInterval() throws Exception {
    TestCertificates first = TestCertificates.newCa(dir.resolve("first"), "first-ca");
    TestCertificates second = TestCertificates.newCa(dir.resolve("second"), "second-ca");
    Path[] old = first.issue("server", false);
    Path[] renewed = second.issue("server", false);
    Path cert = Files.copy(old[0], dir.resolve("server.crt"));
    Path key = Files.copy(old[1], dir.resolve("server.key"));
    try (Running running = start(new TlsSettings(cert, key, null, Duration.ofMillis(200)))) {
      assertThat(call(running.port(), trusting(first.ca()))).isEqualTo(Status.Code.OK);
      Files.copy(renewed[1], key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.copy(renewed[0], cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Status.Code code = Status.Code.UNAVAILABLE;
      for (int i = 0; i < 100 && code != Status.Code.OK; i++) {
        Thread.sleep(100);
        code = call(running.port(), trusting(second.ca()));
      }
      assertThat(code).isEqualTo(Status.Code.OK);
      assertThat(call(running.port(), trusting(first.ca()))).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }
}
