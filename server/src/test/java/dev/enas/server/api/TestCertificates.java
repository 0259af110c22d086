package dev.enas.server.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away CA and certificates it signs, made in a test's folder with the JDK's keytool, so
 * that no key is checked in. PEM files: {@code NAME.crt} (the certificate, then the CA's) and
 * {@code NAME.key} (PKCS#8).
 */
public final class TestCertificates {
  private static final String PASSWORD = "test-only";
  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** A new CA named {@code ca} in {@code dir}: {@code ca.crt}. */
  public static TestCertificates newCa(Path dir, String name) throws IOException {
    TestCertificates certificates = new TestCertificates(Files.createDirectories(dir));
    certificates.keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        "ca.p12");
    certificates.keytool(
        "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
    return certificates;
  }

  public Path ca() {
    return dir.resolve("ca.crt");
  }

  /**
   * A certificate for {@code localhost} and 127.0.0.1 signed by this CA, for a server or (with
   * {@code client}) a client: {@code name.crt} and {@code name.key}.
   */
  public Path[] issue(String name, boolean client) throws IOException {
    String store = name + ".p12";
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-keystore",
        store);
    keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
    keytool(
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-infile",
        name + ".csr",
        "-outfile",
        name + ".signed",
        "-rfc",
        "-validity",
        "2",
        "-ext",
        "san=dns:localhost,ip:127.0.0.1",
        "-ext",
        "eku=" + (client ? "clientAuth" : "serverAuth"));
    Path crt = dir.resolve(name + ".crt");
    Files.writeString(
        crt, Files.readString(dir.resolve(name + ".signed")) + Files.readString(ca()));
    try (InputStream in = Files.newInputStream(dir.resolve(store))) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, PASSWORD.toCharArray());
      PrivateKey key = (PrivateKey) keys.getKey(name, PASSWORD.toCharArray());
      Path pem = dir.resolve(name + ".key");
      Files.writeString(
          pem,
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
      return new Path[] {crt, pem};
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(
        List.of("-storepass", PASSWORD, "-keypass", PASSWORD, "-storetype", "PKCS12", "-noprompt"));
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    try {
      if (process.waitFor() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
