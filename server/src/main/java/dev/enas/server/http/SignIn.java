package dev.enas.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.formField;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.optionalCookie;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.redirect;
import static org.apache.pekko.http.javadsl.server.Directives.setCookie;

import dev.enas.server.security.Principal;
import dev.enas.server.security.Role;
import dev.enas.server.security.TokenStore;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who may use the HTTP port of a server with tokens: the holder of any valid token, since
 * everything the port serves to read (pages, JSON API, event streams, metrics, model trials) is a
 * viewer's on the gRPC port too. A program sends {@code Authorization: Bearer TOKEN}, as over gRPC
 * (Prometheus: {@code authorization.credentials}); a browser signs in once on {@code /signin},
 * which keeps the token in an HttpOnly cookie that the page's requests and its EventSource send by
 * themselves. Without tokens everything is open, as on the gRPC port.
 */
final class SignIn {
  /** The cookie that carries a signed-in browser's token. */
  static final String COOKIE = "enas_token";

  private static final String AUTHORIZATION = "Authorization";
  private static final Uri SIGN_IN = Uri.create("/signin");

  private final TokenStore tokens;

  /**
   * @param tokens the server's tokens, or null when it has none
   */
  SignIn(TokenStore tokens) {
    this.tokens = tokens;
  }

  /** A page of the dashboard: a browser without a valid token is sent to the sign-in page. */
  Route page(Supplier<Route> inner) {
    if (tokens == null) {
      return inner.get();
    }
    return caller(
        (caller, refusal) ->
            caller.isPresent() ? inner.get() : redirect(SIGN_IN, StatusCodes.SEE_OTHER));
  }

  /** The JSON API, event streams and metrics: without a valid token, 401 naming what is wrong. */
  Route api(Supplier<Route> inner) {
    if (tokens == null) {
      return inner.get();
    }
    return caller(
        (caller, refusal) -> caller.isPresent() ? inner.get() : complete(refusal.response()));
  }

  /** {@code GET /signin}: the form; {@code POST /signin}: checks the token and sets the cookie. */
  Route routes() {
    return concat(
        get(() -> getFromResource(HttpServer.UI + "/signin.html")),
        post(
            () ->
                formField(
                    "token",
                    token -> {
                      if (tokens == null) {
                        return redirect(Uri.create("/"), StatusCodes.SEE_OTHER);
                      }
                      if (viewer(token.trim()).isEmpty()) {
                        return complete(
                            HttpError.unauthenticated(
                                    "token", "is not a valid token of this server; sign in again")
                                .response());
                      }
                      // HttpOnly: no script reads it. Lax: a link from elsewhere opens the
                      // dashboard signed in, while requests that other sites' pages make
                      // (images, forms, scripts) go without it.
                      HttpCookie cookie =
                          HttpCookie.create(COOKIE, token.trim())
                              .withPath("/")
                              .withHttpOnly(true)
                              .withSameSite(SameSite.Lax);
                      return setCookie(
                          cookie, () -> redirect(Uri.create("/"), StatusCodes.SEE_OTHER));
                    })));
  }

  private interface Decision {
    Route apply(Optional<Principal> caller, HttpError refusal);
  }

  /** The request's caller: from the Authorization header if it has one, else from the cookie. */
  private Route caller(Decision decision) {
    return optionalHeaderValueByName(
        AUTHORIZATION,
        header ->
            optionalCookie(
                COOKIE,
                cookie -> {
                  if (header.isPresent()) {
                    Optional<Principal> found = bearer(header.get()).flatMap(this::viewer);
                    return decision.apply(
                        found,
                        HttpError.unauthenticated(
                            AUTHORIZATION,
                            "must be 'Bearer TOKEN' with a valid token of this server"));
                  }
                  if (cookie.isPresent()) {
                    return decision.apply(
                        viewer(cookie.get().value()),
                        HttpError.unauthenticated(
                            COOKIE,
                            "the cookie's token is no longer valid; sign in again at /signin"));
                  }
                  return decision.apply(
                      Optional.empty(),
                      HttpError.unauthenticated(
                          AUTHORIZATION,
                          "this server has tokens: send 'Authorization: Bearer TOKEN', or sign in"
                              + " at /signin"));
                }));
  }

  private Optional<Principal> viewer(String token) {
    return tokens.authenticate(token).filter(p -> p.role().includes(Role.VIEWER));
  }

  private static Optional<String> bearer(String header) {
    if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Optional.of(header.substring(7).trim());
  }
}
