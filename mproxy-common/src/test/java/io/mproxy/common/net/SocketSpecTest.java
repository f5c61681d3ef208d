package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The relay's socket spec syntax. */
class SocketSpecTest {
    @Test
    void shouldReadTransportPrefixesAndBareAddressesAsUdp() {
        assertThat(SocketSpec.parse("udp@127.0.0.1:9000", false).kind()).isEqualTo(SocketSpec.Kind.UDP);
        assertThat(SocketSpec.parse("tcp@127.0.0.1:9000", false).kind()).isEqualTo(SocketSpec.Kind.TCP);
        SocketSpec bare = SocketSpec.parse("127.0.0.1:9000", false);
        assertThat(bare.kind()).isEqualTo(SocketSpec.Kind.UDP);
        assertThat(bare.numeric()).isEqualTo("127.0.0.1:9000");
        assertThat(bare.text()).isEqualTo("127.0.0.1:9000");
    }

    @Test
    void shouldReadIpv6InBrackets() {
        SocketSpec spec = SocketSpec.parse("tcp@[::1]:9000", false);
        assertThat(spec.kind()).isEqualTo(SocketSpec.Kind.TCP);
        assertThat(spec.numeric()).isEqualTo("[::1]:9000");
    }

    @Test
    void shouldReadAnythingWithASlashAsAUnixSocketPath() {
        SocketSpec spec = SocketSpec.parse("./run/in.sock", false);
        assertThat(spec.kind()).isEqualTo(SocketSpec.Kind.UNIX);
        assertThat(spec.path()).isEqualTo(Path.of("./run/in.sock"));
    }

    @Test
    void shouldAllowPortZeroOnlyForListeners() {
        assertThat(SocketSpec.parse("127.0.0.1:0", true).endpoint().port()).isZero();
        assertThatThrownBy(() -> SocketSpec.parse("tcp@127.0.0.1:0", false))
            .hasMessage("'tcp@127.0.0.1:0' has an invalid port '0': expected 1 to 65535");
    }

    @Test
    void shouldNameTheSpecWhenTheTransportIsUnknown() {
        assertThatThrownBy(() -> SocketSpec.parse("sctp@127.0.0.1:1", false))
            .isInstanceOf(InvalidEndpointException.class)
            .hasMessage("'sctp@127.0.0.1:1' has an unknown transport 'sctp@': expected udp@HOST:PORT, "
                + "tcp@HOST:PORT, HOST:PORT or a unix socket path");
    }

    @Test
    void shouldNameTheSpecWhenThePortIsMissing() {
        assertThatThrownBy(() -> SocketSpec.parse("tcp@127.0.0.1", false))
            .hasMessage("'tcp@127.0.0.1' has no port: expected HOST:PORT or [IPv6]:PORT");
    }
}
