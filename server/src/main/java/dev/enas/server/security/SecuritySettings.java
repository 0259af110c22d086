package dev.enas.server.security;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code enas.security} section.
 *
 * @param tokensFile the token file; tokens are on when it exists at start
 * @param openReflection whether server reflection answers without a token
 * @param ownersFile where searches' owners are kept
 */
public record SecuritySettings(Path tokensFile, boolean openReflection, Path ownersFile) {

  public SecuritySettings {
    Objects.requireNonNull(tokensFile, "tokensFile");
    Objects.requireNonNull(ownersFile, "ownersFile");
  }

  /**
   * Reads {@code security.tokens-file} (empty: {@code <data-dir>/security/tokens}) and {@code
   * security.open-reflection}; owners live in {@code <data-dir>/security/owners.properties}.
   */
  public static SecuritySettings fromConfig(Config enas) {
    Path security = Path.of(enas.getString("data-dir"), "security");
    String tokens = enas.getString("security.tokens-file");
    return new SecuritySettings(
        tokens.isBlank() ? security.resolve("tokens") : Path.of(tokens),
        enas.getBoolean("security.open-reflection"),
        security.resolve("owners.properties"));
  }

  /** Whether tokens are configured: the token file exists. */
  public boolean tokensOn() {
    return Files.exists(tokensFile);
  }

  /** The token store, or null when tokens are off (every caller is the anonymous admin). */
  public TokenStore tokenStore() throws IOException {
    return tokensOn() ? TokenStore.open(tokensFile) : null;
  }
}
