package io.mproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpstreamTest {
    @Test
    void shouldKeepTheHostAsWrittenForSniAndVerification() {
        assertThat(Upstream.parse("tls://localhost:4433"))
            .isEqualTo(new Upstream("tls://localhost:4433", "localhost", 4433, true));
        assertThat(Upstream.parse("TCP://127.0.0.1:80")).isEqualTo(new Upstream("TCP://127.0.0.1:80", "127.0.0.1", 80,
            false));
        assertThat(Upstream.parse("[::1]:80")).isEqualTo(new Upstream("[::1]:80", "::1", 80, false));
    }

    @Test
    void shouldTellIpLiteralsFromNames() {
        assertThat(Upstream.parse("127.0.0.1:1").isIpLiteral()).isTrue();
        assertThat(Upstream.parse("[::1]:1").isIpLiteral()).isTrue();
        assertThat(Upstream.parse("localhost:1").isIpLiteral()).isFalse();
    }

    @Test
    void shouldTurnTlsOnForTlsFlag() {
        assertThat(Upstream.parse("localhost:1").withTls().tls()).isTrue();
    }
}
