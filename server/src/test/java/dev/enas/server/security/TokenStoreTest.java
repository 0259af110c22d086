package dev.enas.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens are stored as salted hashes, checked exactly, and read again when the file changes. */
class TokenStoreTest {
  @TempDir Path dir;

  @Test
  void anAddedTokenAuthenticatesWithItsRoleAndOnlyItsHashIsStored() throws IOException {
    Path file = dir.resolve("security/tokens");
    String alice = TokenStore.add(file, "alice", Role.OPERATOR);
    TokenStore store = TokenStore.open(file);

    assertThat(store.authenticate(alice)).contains(new Principal("alice", Role.OPERATOR));
    String secret = alice.substring(alice.lastIndexOf('.') + 1);
    assertThat(Files.readString(file)).contains("alice operator").doesNotContain(secret);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");

    String wrong = alice.substring(0, alice.length() - 1) + (alice.endsWith("A") ? "B" : "A");
    assertThat(store.authenticate(wrong)).isEmpty();
    assertThat(store.authenticate("enas.bob." + secret)).isEmpty();
    assertThat(store.authenticate(secret)).isEmpty();
    assertThat(store.authenticate("")).isEmpty();
    assertThat(store.authenticate(null)).isEmpty();
  }

  @Test
  void theSameNameTwiceAndBadNamesAreRefused() throws IOException {
    Path file = dir.resolve("tokens");
    TokenStore.add(file, "ci", Role.VIEWER);
    assertThatThrownBy(() -> TokenStore.add(file, "ci", Role.ADMIN))
        .hasMessageContaining("exists already");
    assertThatThrownBy(() -> TokenStore.add(file, "Bad Name", Role.ADMIN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tokensAddedOrRevokedAfterOpeningAreSeenWithoutARestart() throws IOException {
    Path file = dir.resolve("tokens");
    String first = TokenStore.add(file, "first", Role.VIEWER);
    TokenStore store = TokenStore.open(file);
    String second = TokenStore.add(file, "second", Role.ADMIN);
    assertThat(store.authenticate(second)).contains(new Principal("second", Role.ADMIN));

    // Revoke the first by removing its line.
    Files.write(
        file,
        Files.readAllLines(file).stream().filter(line -> !line.startsWith("first ")).toList());
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(store.authenticate(first)).isEmpty();
    assertThat(store.authenticate(second)).isPresent();
    assertThat(store.names()).containsExactly("second");
  }

  @Test
  void aMissingFileHoldsNoTokensAndAMalformedOneFailsWithoutShowingItsContent() throws IOException {
    assertThat(TokenStore.open(dir.resolve("none")).names()).isEmpty();
    Path bad = dir.resolve("bad");
    Files.writeString(bad, "# comment\nalice operator c2VjcmV0LXNhbHQ=\n");
    assertThatThrownBy(() -> TokenStore.open(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 2")
        .hasMessageNotContaining("c2VjcmV0LXNhbHQ=");
  }
}
