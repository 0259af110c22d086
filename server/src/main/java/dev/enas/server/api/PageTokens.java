package dev.enas.server.api;

import dev.enas.server.domain.SearchBackendException.InvalidArgument;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;

/**
 * Page tokens: a backend cursor wrapped so that clients treat it as opaque and cannot hand the
 * backend a cursor it never produced. A token is base64url of a version byte, a fingerprint of the
 * query it belongs to, the cursor, and a CRC-32 of the rest. A changed query (another filter or
 * order) or a damaged token is rejected as INVALID_ARGUMENT on {@code page_token}. The checksum
 * guards against accidents, not attackers: a forged cursor can only select another page.
 */
final class PageTokens {
  static final String FIELD = "page_token";
  private static final byte VERSION = 1;
  private static final int BYTES = 1 + 4 + 8 + 4;

  /** Base64 of {@link #BYTES} bytes without padding; anything longer is not one of ours. */
  private static final int MAX_TEXT = 32;

  private PageTokens() {}

  /**
   * The token for the page starting at {@code cursor} of {@code query}; empty when the cursor is 0,
   * which means there is no further page.
   */
  static String encode(String query, long cursor) {
    if (cursor == 0) {
      return "";
    }
    ByteBuffer buffer = ByteBuffer.allocate(BYTES);
    buffer.put(VERSION).putInt(fingerprint(query)).putLong(cursor);
    buffer.putInt(crc(buffer.array(), BYTES - 4));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
  }

  /**
   * The cursor a token holds: 0 for an empty token (the first page).
   *
   * @throws InvalidArgument on {@code page_token} for anything but a token of this query
   */
  static long decode(String query, String token) {
    if (token.isEmpty()) {
      return 0;
    }
    if (token.length() > MAX_TEXT) {
      throw malformed();
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
    if (bytes.length != BYTES || bytes[0] != VERSION) {
      throw malformed();
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    buffer.get();
    int queryFingerprint = buffer.getInt();
    long cursor = buffer.getLong();
    int checksum = buffer.getInt();
    if (checksum != crc(bytes, BYTES - 4) || cursor <= 0) {
      throw malformed();
    }
    if (queryFingerprint != fingerprint(query)) {
      throw new InvalidArgument(
          FIELD,
          "belongs to a different query: keep the filter and order"
              + " of the request that returned it, or start again with an empty page_token");
    }
    return cursor;
  }

  private static InvalidArgument malformed() {
    return new InvalidArgument(
        FIELD,
        "is not a page token this server issued: pass the"
            + " next_page_token of the previous response unchanged, or empty for the first page");
  }

  private static int fingerprint(String query) {
    byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
    return crc(bytes, bytes.length);
  }

  private static int crc(byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
