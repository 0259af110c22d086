package dev.enas.server.security;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code enas.tls} section: TLS on the gRPC port, on when a certificate is configured.
 *
 * @param certFile PEM certificate chain of the server, or null for plaintext
 * @param keyFile PEM (PKCS#8) private key of that certificate
 * @param clientCaFile PEM CA certificates client certificates must chain to (mutual TLS), or null
 *     to accept clients without certificates
 * @param reloadInterval how often the files are checked for new content
 */
public record TlsSettings(Path certFile, Path keyFile, Path clientCaFile, Duration reloadInterval) {

  public TlsSettings {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("enas.tls.cert-file and enas.tls.key-file go together");
    }
    if (clientCaFile != null && certFile == null) {
      throw new IllegalArgumentException("enas.tls.client-ca-file needs enas.tls.cert-file");
    }
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("enas.tls.reload-interval must be positive");
    }
  }

  /** Whether the port speaks TLS. */
  public boolean enabled() {
    return certFile != null;
  }

  /**
   * Reads {@code tls.cert-file}, {@code tls.key-file}, {@code tls.client-ca-file}, {@code
   * tls.reload-interval}; empty paths are unset.
   */
  public static TlsSettings fromConfig(Config enas) {
    return new TlsSettings(
        path(enas, "tls.cert-file"),
        path(enas, "tls.key-file"),
        path(enas, "tls.client-ca-file"),
        enas.getDuration("tls.reload-interval"));
  }

  private static Path path(Config enas, String key) {
    String value = enas.getString(key);
    return value.isBlank() ? null : Path.of(value);
  }
}
