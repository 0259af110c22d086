package dev.enas.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with the JDK's keytool
 * in a benchmark's temporary folder, so that a TLS benchmark needs no key on disk beforehand. EC
 * P-256 keys, as a deployment would likely choose.
 */
record BenchCertificates(Path ca, Path serverCertificate, Path serverKey) {
  private static final String PASSWORD = "bench-only";

  static BenchCertificates create(Path dir) throws IOException {
    Files.createDirectories(dir);
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=enas-bench-ca",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        "ca.p12");
    keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=server",
        "-validity",
        "2",
        "-keystore",
        "server.p12");
    keytool(dir, "-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
    keytool(
        dir,
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-infile",
        "server.csr",
        "-outfile",
        "server.signed",
        "-rfc",
        "-validity",
        "2",
        "-ext",
        "san=dns:localhost,ip:127.0.0.1",
        "-ext",
        "eku=serverAuth");
    Path ca = dir.resolve("ca.crt");
    Path certificate = dir.resolve("server.crt");
    // The chain the server presents: its certificate, then the CA's.
    Files.writeString(
        certificate, Files.readString(dir.resolve("server.signed")) + Files.readString(ca));
    Path key = dir.resolve("server.key");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      PrivateKey privateKey = (PrivateKey) store.getKey("server", PASSWORD.toCharArray());
      Files.writeString(
          key,
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(privateKey.getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
    } catch (GeneralSecurityException e) {
      throw new IOException("could not read the server key keytool made", e);
    }
    return new BenchCertificates(ca, certificate, key);
  }

  private static void keytool(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(
        List.of("-storepass", PASSWORD, "-keypass", PASSWORD, "-storetype", "PKCS12", "-noprompt"));
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    }
  }
}
