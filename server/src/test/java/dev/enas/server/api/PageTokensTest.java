package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.enas.server.domain.SearchBackendException.InvalidArgument;
import dev.enas.spec.FieldViolation;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PageTokensTest {

  @Test
  void aTokenCarriesItsCursorForTheSameQuery() {
    String token = PageTokens.encode("searches [2]", 12345);

    assertThat(token).isNotEmpty().doesNotContain("12345");
    assertThat(PageTokens.decode("searches [2]", token)).isEqualTo(12345);
    assertThat(PageTokens.decode("searches [2]", "")).isZero();
    assertThat(PageTokens.encode("searches [2]", 0)).isEmpty();
  }

  @Test
  void anotherQueryOrADamagedTokenIsRejectedNamingPageToken() {
    String token = PageTokens.encode("searches [2]", 77);
    byte[] bytes = Base64.getUrlDecoder().decode(token);
    bytes[8] ^= 1;
    String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

    assertRejected("searches [3]", token, "different query");
    assertRejected("searches [2]", tampered, "not a page token");
    assertRejected("searches [2]", "not base64!", "not a page token");
    assertRejected("searches [2]", "AAAA", "not a page token");
    assertRejected("searches [2]", "A".repeat(10_000), "not a page token");
    assertRejected("searches [2]", token.substring(1), "not a page token");
  }

  private static void assertRejected(String query, String token, String why) {
    assertThatThrownBy(() -> PageTokens.decode(query, token))
        .isInstanceOfSatisfying(
            InvalidArgument.class,
            e -> {
              assertThat(e.violations())
                  .extracting(FieldViolation::field)
                  .containsExactly("page_token");
              assertThat(e.violations().get(0).description()).contains(why);
            });
  }
}
