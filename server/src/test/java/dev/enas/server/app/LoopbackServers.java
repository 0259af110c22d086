package dev.enas.server.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.api.TestCertificates;
import dev.enas.server.api.TlsCredentials;
import dev.enas.server.security.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** The real server on a free loopback port, as the end-to-end tests start it. */
final class LoopbackServers {
  private LoopbackServers() {}

  /**
   * The default configuration with its data (and model repository) under {@code dataDir}, and the
   * HTTP port on a free port, so that tests never collide with a server on 8981.
   */
  static Config config(Path dataDir) {
    return ConfigFactory.load()
        .withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
        .withValue("enas.http.port", ConfigValueFactory.fromAnyRef(0));
  }

  /** A server of {@code config} listening on 127.0.0.1 at a port of the system's choosing. */
  static EnasServer start(Config config) throws IOException {
    return EnasServer.start(
        config, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
  }

  /**
   * A server of {@code config} on 127.0.0.1 with TLS from {@code tls}; the caller closes {@code
   * tls} after the server.
   */
  static EnasServer start(Config config, TlsCredentials tls) throws IOException {
    return EnasServer.start(
        config,
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), tls.credentials()));
  }

  /**
   * A server certificate of a new CA in {@code dir}, as TLS credentials that reload every minute;
   * the CA's certificate is {@code dir/ca/ca.crt}.
   */
  static TlsCredentials tls(Path dir) throws IOException {
    TestCertificates ca = TestCertificates.newCa(dir.resolve("ca"), "enas-test-ca");
    Path[] server = ca.issue("server", false);
    return TlsCredentials.load(new TlsSettings(server[0], server[1], null, Duration.ofMinutes(1)));
  }

  /** A plaintext channel to the server. */
  static ManagedChannel channel(EnasServer server) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }
}
