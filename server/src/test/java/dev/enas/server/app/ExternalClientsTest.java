package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the cross-language tests run other processes. */
class ExternalClientsTest {

  /** Far more than a pipe holds (64 KiB on Linux): read only after waitFor, this would block. */
  @Test
  void aProcessThatPrintsMoreThanAPipeHoldsFinishes() throws Exception {
    ExternalClients.Run run =
        ExternalClients.run(
            new ProcessBuilder(
                "bash", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo >&2 done"),
            30,
            TimeUnit.SECONDS);

    assertThat(run.exit()).isZero();
    assertThat(run.output()).hasSize(1_000_000 + "done\n".length()).endsWith("xdone\n");
  }

  @Test
  void aProcessThatOutlivesItsTimeoutFailsTheTestWithWhatItPrinted() {
    assertThatThrownBy(
            () ->
                ExternalClients.run(
                    new ProcessBuilder("bash", "-c", "echo started; exec sleep 60"),
                    2,
                    TimeUnit.SECONDS))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("did not finish in 2 seconds")
        .hasMessageContaining("started");
  }

  @Test
  void aMissingCommandIsNotAvailable() {
    assertThat(ExternalClients.available("/nonexistent/enas-tool", "--version")).isFalse();
    assertThat(ExternalClients.available("bash", "-c", "exit 0")).isTrue();
  }
}
