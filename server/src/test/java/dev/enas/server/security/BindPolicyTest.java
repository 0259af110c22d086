package dev.enas.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Loopback by default; anything else needs TLS and tokens, or an explicit --insecure. */
class BindPolicyTest {

  @Test
  void loopbackIsAlwaysAllowed() {
    for (String host : new String[] {"127.0.0.1", "localhost", "::1"}) {
      BindPolicy.Decision decision = BindPolicy.check(host, false, false, false);
      assertThat(decision.allowed()).as(host).isTrue();
      assertThat(decision.message()).as(host).isNull();
    }
  }

  @Test
  void otherAddressesNeedTlsAndTokensOrInsecure() {
    BindPolicy.Decision open = BindPolicy.check("0.0.0.0", false, false, false);
    assertThat(open.allowed()).isFalse();
    assertThat(open.message()).contains("without TLS and tokens").contains("--insecure");

    assertThat(BindPolicy.check("0.0.0.0", true, false, false).message())
        .contains("without TLS needs --insecure");
    assertThat(BindPolicy.check("0.0.0.0", false, true, false).allowed()).isFalse();

    BindPolicy.Decision insecure = BindPolicy.check("0.0.0.0", false, false, true);
    assertThat(insecure.allowed()).isTrue();
    assertThat(insecure.message()).contains("--insecure").contains("anyone");

    BindPolicy.Decision secured = BindPolicy.check("0.0.0.0", true, true, false);
    assertThat(secured.allowed()).isTrue();
    assertThat(secured.message()).isNull();
  }
}
