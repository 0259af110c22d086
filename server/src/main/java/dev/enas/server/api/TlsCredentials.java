package dev.enas.server.api;

import dev.enas.server.security.TlsSettings;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Server credentials for TLS from {@link TlsSettings}, whose certificate, key and client CA are
 * re-read every reload interval, so that a renewed certificate is served without a restart. With a
 * client CA, clients must present a certificate chaining to it (mutual TLS). Owns a daemon thread
 * for the reloads, stopped by {@link #close()}.
 */
public final class TlsCredentials implements AutoCloseable {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(TlsCredentials.class);
  private final ServerCredentials credentials;
  private final ScheduledExecutorService reloads;

  private TlsCredentials(ServerCredentials credentials, ScheduledExecutorService reloads) {
    this.credentials = credentials;
    this.reloads = reloads;
  }

  /**
   * Reads the files once now (a bad file fails the start, naming the setting) and then every reload
   * interval.
   *
   * @throws IOException if a file cannot be read or holds no valid certificate or key
   */
  public static TlsCredentials load(TlsSettings settings) throws IOException {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("TLS is not configured (enas.tls.cert-file)");
    }
    ScheduledExecutorService reloads =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "enas-tls-reload");
              t.setDaemon(true);
              return t;
            });
    long period = settings.reloadInterval().toMillis();
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      try {
        keys.updateIdentityCredentials(settings.certFile().toFile(), settings.keyFile().toFile());
        watch(
            reloads,
            period,
            "enas.tls.cert-file / enas.tls.key-file",
            () ->
                keys.updateIdentityCredentials(
                    settings.certFile().toFile(), settings.keyFile().toFile()),
            settings.certFile(),
            settings.keyFile());
      } catch (GeneralSecurityException | IOException | RuntimeException e) {
        throw new IOException(
            "enas.tls.cert-file / enas.tls.key-file: cannot load the"
                + " certificate and key: "
                + e.getMessage(),
            e);
      }
      TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
      if (settings.clientCaFile() != null) {
        AdvancedTlsX509TrustManager trust;
        try {
          trust =
              AdvancedTlsX509TrustManager.newBuilder()
                  .setVerification(
                      AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                  .build();
          trust.updateTrustCredentials(settings.clientCaFile().toFile());
          watch(
              reloads,
              period,
              "enas.tls.client-ca-file",
              () -> trust.updateTrustCredentials(settings.clientCaFile().toFile()),
              settings.clientCaFile());
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
          throw new IOException(
              "enas.tls.client-ca-file: cannot load the CA certificates: " + e.getMessage(), e);
        }
        builder.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return new TlsCredentials(builder.build(), reloads);
    } catch (IOException | RuntimeException e) {
      reloads.shutdownNow();
      throw e;
    }
  }

  /** A reload: reads files and installs what they hold, or throws keeping the previous. */
  private interface Reload {
    void run() throws IOException, GeneralSecurityException;
  }

  /**
   * Re-reads files whenever one's modification time or size changed. A failed read (a renewal half
   * written: new key, old certificate) keeps what is served and is tried again next time, rather
   * than ending the reloads as an exception in a scheduled task would.
   */
  private static void watch(
      ScheduledExecutorService reloads,
      long periodMillis,
      String setting,
      Reload reload,
      Path... files) {
    String[] seen = {stamp(files)};
    reloads.scheduleWithFixedDelay(
        () -> {
          String now = stamp(files);
          if (now.equals(seen[0])) {
            return;
          }
          try {
            reload.run();
            seen[0] = now;
            log.info("{}: reloaded", setting);
          } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.warn(
                "{}: cannot reload, still serving the previous files: {}", setting, e.getMessage());
          }
        },
        periodMillis,
        periodMillis,
        TimeUnit.MILLISECONDS);
  }

  private static String stamp(Path... files) {
    StringBuilder out = new StringBuilder();
    for (Path file : files) {
      try {
        out.append(Files.getLastModifiedTime(file).toMillis())
            .append('/')
            .append(Files.size(file))
            .append(';');
      } catch (IOException e) {
        out.append("missing;");
      }
    }
    return out.toString();
  }

  /** The credentials for a Netty server builder. */
  public ServerCredentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    reloads.shutdownNow();
  }
}
